# SPDX-License-Identifier: MIT
# firmware.cmake -- build the firmware images as a nested CMake project with the arm-none-eabi
# toolchain, into ${CMAKE_BINARY_DIR}/firmware/, and provide the flash-streamer target.
include(ExternalProject)

find_program(IMULAB_ARM_GCC arm-none-eabi-gcc)
if(NOT IMULAB_ARM_GCC)
  message(WARNING "arm-none-eabi-gcc not found: firmware images are not built (apt-get install gcc-arm-none-eabi)")
  return()
endif()

set(IMULAB_FW_DIR ${CMAKE_BINARY_DIR}/firmware)
set(IMULAB_BAUD 115200 CACHE STRING "Firmware USART2 baud rate (up to 921600)")

# The boards (firmware/CMakeLists.txt's table). Without -DIMULAB_MODEL the classifier images are
# built around a small default model, trained at build time (well under a second) by this build's
# imulab on data written by gen_ei (3 labels, accX..accZ at 100 Hz, 26 testing windows): the images of every board
# then exist after a plain build, and always match the current model format.
set(IMULAB_BOARDS nucleo-f446re nucleo-l476rg nucleo-h743zi disco-f407vg)
set(_fw_byproducts ${IMULAB_FW_DIR}/streamer-qemu.elf ${IMULAB_FW_DIR}/classifier-qemu.elf
  ${IMULAB_FW_DIR}/classifier-qemu-mps2-an500.elf)
foreach(_b ${IMULAB_BOARDS})
  foreach(_app streamer classifier)
    list(APPEND _fw_byproducts ${IMULAB_FW_DIR}/${_app}-${_b}.elf ${IMULAB_FW_DIR}/${_app}-${_b}.bin)
  endforeach()
endforeach()
set(_fw_model ${IMULAB_MODEL})
set(_fw_depends "")
if(NOT IMULAB_MODEL)
  set(_fw_model ${CMAKE_BINARY_DIR}/firmware-default-model)
  set(_dm ${_fw_model})
  add_custom_command(OUTPUT ${_dm}/model.c ${_dm}/model.h ${_dm}/model.json
    COMMAND ${CMAKE_COMMAND} -E rm -rf ${_dm}.data ${_dm}.db ${_dm}
    COMMAND $<TARGET_FILE:gen_ei> ${_dm}.data a:10:training b:10:training c:10:training a:3:testing b:3:testing c:3:testing
    COMMAND $<TARGET_FILE:imulab> --db ${_dm}.db import --subject gen_ei ${_dm}.data
    COMMAND $<TARGET_FILE:imulab> --db ${_dm}.db train --out ${_dm} --quiet --window-ms 500 --stride-ms 250
            --hidden 8 --seed 1
    DEPENDS gen_ei imulab
    COMMENT "Training the default model for the classifier images (${_dm})"
    VERBATIM)
  add_custom_target(firmware_default_model DEPENDS ${_dm}/model.c)
  set(_fw_depends DEPENDS firmware_default_model)
endif()

ExternalProject_Add(firmware
  SOURCE_DIR ${CMAKE_SOURCE_DIR}/firmware
  BINARY_DIR ${CMAKE_BINARY_DIR}/firmware-build
  CMAKE_ARGS
    -DCMAKE_TOOLCHAIN_FILE=${CMAKE_SOURCE_DIR}/cmake/arm-none-eabi.cmake
    -DCMAKE_BUILD_TYPE=Release
    -DFW_OUTPUT_DIR=${IMULAB_FW_DIR}
    -DIMULAB_BAUD=${IMULAB_BAUD}
    -DIMULAB_MODEL=${_fw_model}
  ${_fw_depends}
  BUILD_ALWAYS ON
  INSTALL_COMMAND ""
  BUILD_BYPRODUCTS ${_fw_byproducts}
  USES_TERMINAL_BUILD OFF)

# Program the Nucleo: openocd (ST-Link), else st-flash; one-line failure without a probe.
add_custom_target(flash-streamer
  COMMAND ${CMAKE_SOURCE_DIR}/firmware/flash.sh ${IMULAB_FW_DIR}/streamer-nucleo-f446re.elf
  DEPENDS firmware
  USES_TERMINAL
  COMMENT "Flashing streamer-nucleo-f446re onto the Nucleo-F446RE")
# The other boards: flash-streamer-<board> (firmware/flash.sh picks openocd's target from the name).
foreach(_b nucleo-l476rg nucleo-h743zi disco-f407vg)
  add_custom_target(flash-streamer-${_b}
    COMMAND ${CMAKE_SOURCE_DIR}/firmware/flash.sh ${IMULAB_FW_DIR}/streamer-${_b}.elf
    DEPENDS firmware
    USES_TERMINAL
    COMMENT "Flashing streamer-${_b}")
endforeach()
