# classifier.cmake -- the classifier images for one exported model (included by firmware/CMakeLists.txt
# when IMULAB_MODEL is set):
#
#   classifier-nucleo-f446re.elf/.bin  Nucleo-F446RE + MPU6050
#   classifier-qemu.elf                QEMU netduinoplus2 + synthetic IMU
#
# IMULAB_MODEL is a directory written by `imulab train` (model.c, model.h, model.json). The core
# is compiled again with a larger receive buffer (validation chunks of up to 256 payload bytes),
# with link-time optimisation (about 800 bytes less flash), and a 1.5 KB stack.
foreach(f model.c model.h model.json)
  if(NOT EXISTS ${IMULAB_MODEL}/${f})
    message(FATAL_ERROR "IMULAB_MODEL=${IMULAB_MODEL}: ${f} is missing (run imulab train --out DIR)")
  endif()
endforeach()

# Frames: VALIDATE_RESULT carries the feature vector, so the transmit payload grows with the model.
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${IMULAB_MODEL}/model.h)
file(STRINGS ${IMULAB_MODEL}/model.h _cls_nf REGEX "^#define IMU_MODEL_N_FEATURES [0-9]+")
file(STRINGS ${IMULAB_MODEL}/model.h _cls_nc REGEX "^#define IMU_MODEL_N_CLASSES [0-9]+")
string(REGEX REPLACE ".* ([0-9]+).*" "\\1" _cls_nf "${_cls_nf}")
string(REGEX REPLACE ".* ([0-9]+).*" "\\1" _cls_nc "${_cls_nc}")
math(EXPR _cls_payload "14 + 4 * ${_cls_nf} + ${_cls_nc}")
if(_cls_payload LESS 320)
  set(_cls_payload 320)
endif()
set(CLS_DEFS LINK_RX_MAX=280u LINK_MAX_PAYLOAD=${_cls_payload}u)
add_library(cls_core OBJECT
    core/ring.c core/link.c core/app.c core/mpu6050.c core/synth_imu.c
    ${PORTABLE_DIR}/proto.c ${PORTABLE_DIR}/synth.c ${PORTABLE_DIR}/live.c
    ${IMULAB_MODEL}/model.c)
target_compile_definitions(cls_core PRIVATE ${CLS_DEFS})
target_compile_options(cls_core PRIVATE -flto)
target_include_directories(cls_core PRIVATE ${IMULAB_MODEL})
# The hot path (features, int8 kernel), compiled hosted (still with LTO): -ffreestanding implies -fno-builtin, which turns every 4-byte memcpy (the kernel's
# word loads, the float bit casts) into a call -- a third more instructions per window
# (60.6k instead of 44.3k with the default model; -O2 would save 1k more for 1.4 KB of flash).
add_library(cls_fast OBJECT ${PORTABLE_DIR}/imu_features.c ${PORTABLE_DIR}/nn.c ${PORTABLE_DIR}/segment.c)
get_target_property(_cls_opts cls_fast COMPILE_OPTIONS)
list(REMOVE_ITEM _cls_opts -ffreestanding)
set_target_properties(cls_fast PROPERTIES COMPILE_OPTIONS "${_cls_opts}")
target_compile_options(cls_fast PRIVATE -Os -flto)

# SysTick ticks per instruction: QEMU -icount shift=0 runs 1 instruction per ns at 168 MHz.
set(CLS_TICKS_qemu CLS_TICKS_NUM=168u CLS_TICKS_DEN=1000u)
set(CLS_TICKS_nucleo-f446re CLS_TICKS_NUM=1u CLS_TICKS_DEN=1u)

foreach(board nucleo-f446re qemu)
  set(name classifier-${board})
  add_executable(${name} app/classifier_main.c app/classifier_div.c ${FW_BOARD_${board}}
      $<TARGET_OBJECTS:cls_core> $<TARGET_OBJECTS:cls_fast> $<TARGET_OBJECTS:fw_hw>)
  target_compile_definitions(${name} PRIVATE ${CLS_DEFS} ${CLS_TICKS_${board}})
  set_source_files_properties(app/classifier_main.c TARGET_DIRECTORY ${name} PROPERTIES COMPILE_OPTIONS -flto)
  target_include_directories(${name} PRIVATE ${IMULAB_MODEL})
  set_target_properties(${name} PROPERTIES SUFFIX ".elf" RUNTIME_OUTPUT_DIRECTORY ${FW_OUTPUT_DIR}
      LINK_DEPENDS "${CMAKE_CURRENT_SOURCE_DIR}/ld/${FW_LD_${board}};${CMAKE_CURRENT_SOURCE_DIR}/ld/sections.ld")
  # 1.5 KB of stack: the deepest path (features under the UART and SysTick interrupts) uses about
  # 0.6 KB; see docs/classifier.md.
  target_link_options(${name} PRIVATE -T${FW_LD_${board}} -Wl,-Map=${FW_OUTPUT_DIR}/${name}.map
      -Wl,--defsym=STACK_SIZE=1536
      -flto -Os -ffp-contract=off -ffreestanding -fno-tree-loop-distribute-patterns)
  target_link_libraries(${name} PRIVATE gcc)
  set(post COMMAND ${FW_SIZE} ${FW_OUTPUT_DIR}/${name}.elf)
  if(NOT board STREQUAL "qemu")
    list(APPEND post COMMAND ${FW_OBJCOPY} -O binary ${FW_OUTPUT_DIR}/${name}.elf ${FW_OUTPUT_DIR}/${name}.bin)
  endif()
  add_custom_command(TARGET ${name} POST_BUILD ${post} VERBATIM)
endforeach()
