# SPDX-License-Identifier: MIT
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
# The model's axes on the sensor's (accX..gyrZ, names compared without case), and the sensor rate
# closest to the model's that each board makes (the MPU-6050 family: 1 kHz / (1 + SMPLRT_DIV), at
# most 500 Hz here; the synthetic sensor: any whole rate): computed here, not on the device.
file(STRINGS ${IMULAB_MODEL}/model.h _cls_axes REGEX "^#define IMU_MODEL_AXES ")
string(REGEX REPLACE ".*\"(.*)\".*" "\\1" _cls_axes "${_cls_axes}")
string(TOLOWER "${_cls_axes}" _cls_axes)
string(REPLACE "," ";" _cls_axes "${_cls_axes}")
set(_cls_map "")
set(_cls_names accx accy accz gyrx gyry gyrz)
foreach(_a ${_cls_axes})
  list(FIND _cls_names "${_a}" _i)
  if(_i LESS 0)
    set(_cls_map "")
    break()
  endif()
  list(APPEND _cls_map ${_i})
endforeach()
string(REPLACE ";" "," _cls_map "${_cls_map}")
file(STRINGS ${IMULAB_MODEL}/model.h _cls_rate REGEX "^#define IMU_MODEL_RATE_HZ ")
string(REGEX REPLACE ".* ([0-9.e+-]+)f.*" "\\1" _cls_rate "${_cls_rate}")
string(REGEX REPLACE "\\..*" "" _cls_rate_int "${_cls_rate}")
set(CLS_RATE_qemu ${_cls_rate_int})
set(_best 100)
set(_bestd 100000)
foreach(_k RANGE 1 20)
  math(EXPR _r "1000 / ${_k}")
  math(EXPR _rem "1000 % ${_k}")
  math(EXPR _d "${_r} - ${_cls_rate_int}")
  if(_d LESS 0)
    math(EXPR _d "0 - ${_d}")
  endif()
  if(_rem EQUAL 0 AND _r LESS_EQUAL 500 AND _d LESS _bestd)
    set(_best ${_r})
    set(_bestd ${_d})
  endif()
endforeach()
set(CLS_RATE_nucleo-f446re ${_best})

# Only the FFT cosines the model uses (model.c has them: IMU_MODEL_COS_LEN), instead of 128.
file(STRINGS ${IMULAB_MODEL}/model.h _cls_cos REGEX "^#define IMU_MODEL_COS_LEN [0-9]+")
string(REGEX REPLACE ".* ([0-9]+).*" "\\1" _cls_cos "${_cls_cos}")
# The rate is fixed by the model, so is the number of samples per SAMPLES frame (app.c:
# app_spf_for_rate, about ten frames a second, 1..25): the payload is the largest of VALIDATE_RESULT,
# SAMPLES at that rate and HELLO (64 + 6 axes x 20 bytes), not the streamer's 320 bytes.
set(_cls_rate_max ${CLS_RATE_qemu})
if(CLS_RATE_nucleo-f446re GREATER _cls_rate_max)
  set(_cls_rate_max ${CLS_RATE_nucleo-f446re})
endif()
math(EXPR _cls_spf "${_cls_rate_max} / 10")
if(_cls_spf LESS 1)
  set(_cls_spf 1)
elseif(_cls_spf GREATER 25)
  set(_cls_spf 25)
endif()
math(EXPR _cls_payload "14 + 4 * ${_cls_nf} + ${_cls_nc} + 9") # + the decision and anomaly blocks
math(EXPR _cls_samples_payload "16 + ${_cls_spf} * 12")
foreach(_min ${_cls_samples_payload} 184)
  if(_cls_payload LESS _min)
    set(_cls_payload ${_min})
  endif()
endforeach()
# The sample ring between the sensor context and the main loop: a frame's worth waiting plus two
# of the sensor's read batches, a power of two (32 at up to 160 Hz: 0.75 KB less than the
# streamer's 64). Real sensors are read as they fill; the synthetic sensor catches up in bursts
# after a stall of the emulator (at most 1 s of samples): under -icount, as every test and the
# acceptance checks run QEMU, there are none; without it a loaded host can cost a gap (the live
# path restarts its window, as after any lost sample).
math(EXPR _cls_ring_need "${_cls_spf} + 16")
set(_cls_ring 16)
while(_cls_ring LESS _cls_ring_need)
  math(EXPR _cls_ring "${_cls_ring} * 2")
endwhile()
set(CLS_DEFS LINK_RX_MAX=128u LINK_MAX_PAYLOAD=${_cls_payload}u APP_MAX_SPF=${_cls_spf}u APP_SAMPLE_RING=${_cls_ring}u)
# The core per board: the Nucleo image leaves out the synthetic sensor's commands (flash budget).
set(CLS_CORE_nucleo-f446re APP_NO_SYNTH_COMMANDS)
set(CLS_CORE_qemu "")
foreach(board nucleo-f446re qemu)
  add_library(cls_core_${board} OBJECT
      core/ring.c core/link.c core/app.c core/mpu6050.c core/synth_imu.c
      ${PORTABLE_DIR}/proto.c ${PORTABLE_DIR}/synth.c ${PORTABLE_DIR}/live.c
      ${IMULAB_MODEL}/model.c)
  target_compile_definitions(cls_core_${board} PRIVATE ${CLS_DEFS} ${CLS_CORE_${board}} APP_FIXED_RATE
      LIVE_NO_LIS3DH)
  target_compile_options(cls_core_${board} PRIVATE -flto)
  target_include_directories(cls_core_${board} PRIVATE ${IMULAB_MODEL})
endforeach()
# The STM32 support, with link-time optimisation too (small functions inline across files).
add_library(cls_hw OBJECT hw/startup.c hw/time.c hw/uart.c) # hw/libc.c stays out of LTO: GCC emits its calls late
target_compile_definitions(cls_hw PRIVATE ${CLS_DEFS})
target_compile_options(cls_hw PRIVATE -flto)
add_library(cls_fast OBJECT ${PORTABLE_DIR}/anomaly.c ${PORTABLE_DIR}/conv.c ${PORTABLE_DIR}/imu_features.c ${PORTABLE_DIR}/nn.c ${PORTABLE_DIR}/segment.c)
get_target_property(_cls_opts cls_fast COMPILE_OPTIONS)
list(REMOVE_ITEM _cls_opts -ffreestanding)
set_target_properties(cls_fast PROPERTIES COMPILE_OPTIONS "${_cls_opts}")
target_compile_options(cls_fast PRIVATE -Os -flto)
if(_cls_cos)
  target_compile_definitions(cls_fast PRIVATE IMU_FEAT_COS_TABLE=imu_model_cos IMU_FEAT_COS_LEN=${_cls_cos}u)
else()
  # no spectral group: only the general frame path is compiled (and dropped, unused), not the 16-point one
  target_compile_definitions(cls_fast PRIVATE IMU_FEAT_COS_LEN=0u)
endif()

# SysTick ticks per instruction: QEMU -icount shift=0 runs 1 instruction per ns at 168 MHz.
set(CLS_TICKS_qemu CLS_TICKS_NUM=168u CLS_TICKS_DEN=1000u)
set(CLS_TICKS_nucleo-f446re CLS_TICKS_NUM=1u CLS_TICKS_DEN=1u)

foreach(board nucleo-f446re qemu)
  set(name classifier-${board})
  add_executable(${name} app/classifier_main.c app/classifier_div.c hw/libc.c ${FW_BOARD_${board}}
      $<TARGET_OBJECTS:cls_core_${board}> $<TARGET_OBJECTS:cls_fast> $<TARGET_OBJECTS:cls_hw>)
  target_compile_definitions(${name} PRIVATE ${CLS_DEFS} ${CLS_TICKS_${board}} CLS_SENSOR_RATE=${CLS_RATE_${board}}u)
  if(IMULAB_LEARN)
    target_compile_definitions(${name} PRIVATE CLS_LEARN=1)
  endif()
  if(_cls_map)
    target_compile_definitions(${name} PRIVATE "CLS_AXIS_MAP=${_cls_map}")
  endif()
  target_compile_options(${name} PRIVATE -flto)
  set_source_files_properties(hw/libc.c app/classifier_div.c TARGET_DIRECTORY ${name} PROPERTIES COMPILE_OPTIONS -fno-lto)
  target_include_directories(${name} PRIVATE ${IMULAB_MODEL})
  set_target_properties(${name} PROPERTIES SUFFIX ".elf" RUNTIME_OUTPUT_DIRECTORY ${FW_OUTPUT_DIR}
      LINK_DEPENDS "${CMAKE_CURRENT_SOURCE_DIR}/ld/${FW_LD_${board}};${CMAKE_CURRENT_SOURCE_DIR}/ld/sections.ld")
  # 1.5 KB of stack: the deepest path (features under the UART and SysTick interrupts) uses about
  # 0.6 KB; see docs/classifier.md.
  target_link_options(${name} PRIVATE -T${FW_LD_${board}} -Wl,-Map=${FW_OUTPUT_DIR}/${name}.map
      -Wl,--defsym=STACK_SIZE=1536
      -flto -flto-partition=none -Os -ffp-contract=off -ffreestanding -fno-tree-loop-distribute-patterns)
  target_link_libraries(${name} PRIVATE gcc)
  set(post COMMAND ${FW_SIZE} ${FW_OUTPUT_DIR}/${name}.elf)
  if(NOT board STREQUAL "qemu")
    list(APPEND post COMMAND ${FW_OBJCOPY} -O binary ${FW_OUTPUT_DIR}/${name}.elf ${FW_OUTPUT_DIR}/${name}.bin)
  endif()
  add_custom_command(TARGET ${name} POST_BUILD ${post} VERBATIM)
endforeach()

# The other boards (nucleo-l476rg, nucleo-h743zi, disco-f407vg, qemu-mps2-an500): the same image, cloned.
include(${CMAKE_CURRENT_LIST_DIR}/classifier_boards.cmake)
