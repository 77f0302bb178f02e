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

set(_fw_byproducts
  ${IMULAB_FW_DIR}/streamer-nucleo-f446re.elf ${IMULAB_FW_DIR}/streamer-nucleo-f446re.bin
  ${IMULAB_FW_DIR}/streamer-qemu.elf)
if(IMULAB_MODEL)
  list(APPEND _fw_byproducts ${IMULAB_FW_DIR}/classifier-nucleo-f446re.elf
    ${IMULAB_FW_DIR}/classifier-nucleo-f446re.bin ${IMULAB_FW_DIR}/classifier-qemu.elf)
endif()

ExternalProject_Add(firmware
  SOURCE_DIR ${CMAKE_SOURCE_DIR}/firmware
  BINARY_DIR ${CMAKE_BINARY_DIR}/firmware-build
  CMAKE_ARGS
    -DCMAKE_TOOLCHAIN_FILE=${CMAKE_SOURCE_DIR}/cmake/arm-none-eabi.cmake
    -DCMAKE_BUILD_TYPE=Release
    -DFW_OUTPUT_DIR=${IMULAB_FW_DIR}
    -DIMULAB_BAUD=${IMULAB_BAUD}
    -DIMULAB_MODEL=${IMULAB_MODEL}
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
