# SPDX-License-Identifier: MIT
# classifier_boards.cmake -- the classifier images of the boards added after the Nucleo-F446RE and
# QEMU (included at the end of classifier.cmake):
#
#   classifier-nucleo-l476rg.elf/.bin  Nucleo-L476RG + MPU6050 on I2C1
#   classifier-nucleo-h743zi.elf/.bin  Nucleo-H743ZI (Cortex-M7) + MPU6050 on I2C1
#   classifier-disco-f407vg.elf/.bin   STM32F4 Discovery + its LIS3DSH/LIS302DL
#   classifier-qemu-mps2-an500.elf     QEMU mps2-an500: the Cortex-M7 compute, synthetic IMU
#
# Each is a clone of classifier.cmake's image: the sources, definitions, options and link options
# of cls_core_nucleo-f446re (cls_core_qemu for the emulated board), cls_fast and
# classifier-nucleo-f446re are copied, then the board's files, CPU, family, linker script, sensor
# rate and tick scale replace the F446RE's. So whatever classifier.cmake gains (a source file, a
# definition) the other boards get too; classifier.cmake itself stays as it was.

set(CLS_NEW_BOARDS nucleo-l476rg nucleo-h743zi disco-f407vg qemu-mps2-an500)

# The sensor rate each board makes closest to the model's (classifier.cmake computed _best for the
# MPU-6050 family and _cls_rate_int for the synthetic sensor); the Discovery's LIS3DSH: 50 or 100 Hz.
set(CLS_RATE_nucleo-l476rg ${CLS_RATE_nucleo-f446re})
set(CLS_RATE_nucleo-h743zi ${CLS_RATE_nucleo-f446re})
set(CLS_RATE_qemu-mps2-an500 ${CLS_RATE_qemu})
if(_cls_rate_int LESS 75)
  set(CLS_RATE_disco-f407vg 50)
else()
  set(CLS_RATE_disco-f407vg 100)
endif()
# SysTick ticks per instruction: cycles of the core clock on the real boards; mps2-an500's SysTick
# counts QEMU's 25 MHz system clock, 1 instruction per ns with -icount shift=0.
set(CLS_TICKS_nucleo-l476rg CLS_TICKS_NUM=1u CLS_TICKS_DEN=1u)
set(CLS_TICKS_nucleo-h743zi CLS_TICKS_NUM=1u CLS_TICKS_DEN=1u)
set(CLS_TICKS_disco-f407vg CLS_TICKS_NUM=1u CLS_TICKS_DEN=1u)
set(CLS_TICKS_qemu-mps2-an500 CLS_TICKS_NUM=25u CLS_TICKS_DEN=1000u)

# cls_clone_props(<new> <old>): the old target's compile definitions, options and include dirs.
function(cls_clone_props new old)
  foreach(p COMPILE_DEFINITIONS COMPILE_OPTIONS INCLUDE_DIRECTORIES)
    get_target_property(v ${old} ${p})
    if(v)
      set_property(TARGET ${new} PROPERTY ${p} "${v}")
    endif()
  endforeach()
endfunction()

# The F446RE image's own sources (app/, libc) without its board files and object libraries.
get_target_property(_cls_exe_src classifier-nucleo-f446re SOURCES)
list(REMOVE_ITEM _cls_exe_src ${FW_BOARD_nucleo-f446re})
list(FILTER _cls_exe_src EXCLUDE REGEX "TARGET_OBJECTS")
get_target_property(_cls_exe_defs classifier-nucleo-f446re COMPILE_DEFINITIONS)
list(FILTER _cls_exe_defs EXCLUDE REGEX "^(CLS_TICKS_NUM|CLS_TICKS_DEN|CLS_SENSOR_RATE)=")
get_target_property(_cls_exe_link classifier-nucleo-f446re LINK_OPTIONS)
list(FILTER _cls_exe_link EXCLUDE REGEX "^(-T|-Wl,-Map=)")

# cls_fast (features + network) for the Cortex-M7: the same sources and options, M7 flags last.
get_target_property(_cls_fast_src cls_fast SOURCES)
add_library(cls_fast_m7 OBJECT ${_cls_fast_src})
cls_clone_props(cls_fast_m7 cls_fast)
target_compile_options(cls_fast_m7 PRIVATE ${FW_CPUFLAGS_m7})
set(CLS_FAST_m4 cls_fast)
set(CLS_FAST_m7 cls_fast_m7)

foreach(board ${CLS_NEW_BOARDS})
  if(board MATCHES "^qemu")
    set(_like qemu)
  else()
    set(_like nucleo-f446re)
  endif()
  # The portable core does not depend on the family: the Cortex-M4 boards reuse the F446RE's
  # objects (build time); the Cortex-M7 ones get their own.
  if(FW_CPU_${board} STREQUAL "m4" AND _like STREQUAL "nucleo-f446re")
    set(_core cls_core_nucleo-f446re)
  else()
    set(_core cls_core_${board})
    get_target_property(_core_src cls_core_${_like} SOURCES)
    add_library(${_core} OBJECT ${_core_src})
    cls_clone_props(${_core} cls_core_${_like})
    fw_board_target(${_core} ${board})
  endif()
  set(_extra "")
  if(board STREQUAL "disco-f407vg")
    set(_extra core/lis3dsh.c) # its sensor driver, compiled with the image
  endif()
  add_library(cls_hw_${board} OBJECT hw/startup.c hw/time.c)
  cls_clone_props(cls_hw_${board} cls_hw)
  fw_board_target(cls_hw_${board} ${board})

  set(name classifier-${board})
  add_executable(${name} ${_cls_exe_src} ${FW_BOARD_${board}} ${FW_UART_${board}} ${_extra}
      $<TARGET_OBJECTS:${_core}> $<TARGET_OBJECTS:${CLS_FAST_${FW_CPU_${board}}}>
      $<TARGET_OBJECTS:cls_hw_${board}>)
  cls_clone_props(${name} classifier-nucleo-f446re)
  set_property(TARGET ${name} PROPERTY COMPILE_DEFINITIONS "${_cls_exe_defs}")
  target_compile_definitions(${name} PRIVATE ${CLS_TICKS_${board}} CLS_SENSOR_RATE=${CLS_RATE_${board}}u)
  fw_board_target(${name} ${board})
  set_source_files_properties(hw/libc.c app/classifier_div.c TARGET_DIRECTORY ${name} PROPERTIES COMPILE_OPTIONS -fno-lto)
  set_target_properties(${name} PROPERTIES SUFFIX ".elf" RUNTIME_OUTPUT_DIRECTORY ${FW_OUTPUT_DIR}
      LINK_DEPENDS "${CMAKE_CURRENT_SOURCE_DIR}/ld/${FW_LD_${board}};${CMAKE_CURRENT_SOURCE_DIR}/ld/sections.ld")
  target_link_options(${name} PRIVATE ${FW_CPUFLAGS_${FW_CPU_${board}}} -T${FW_LD_${board}}
      -Wl,-Map=${FW_OUTPUT_DIR}/${name}.map ${_cls_exe_link})
  target_link_libraries(${name} PRIVATE gcc)
  fw_post(${name} ${board})
endforeach()

# The F446RE and QEMU images: checked against their chip too (classifier.cmake prints their size).
foreach(board nucleo-f446re qemu)
  add_custom_command(TARGET classifier-${board} POST_BUILD
      COMMAND ${CMAKE_COMMAND} -DSIZE=${FW_SIZE} -DELF=${FW_OUTPUT_DIR}/classifier-${board}.elf
          -DFLASH=${FW_FLASH_${board}} -DRAM=${FW_RAM_${board}} -DCHIP=${board}
          -P ${CMAKE_CURRENT_SOURCE_DIR}/fw_size_check.cmake VERBATIM)
endforeach()
