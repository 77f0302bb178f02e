# SPDX-License-Identifier: MIT
# fw_size_check.cmake -- run after each image is linked (firmware/CMakeLists.txt, fw_post): prints
# arm-none-eabi-size and fails the build when flash (text + data) or RAM (data + bss, the stack
# included) exceeds the chip's memory. -DSIZE= -DELF= -DFLASH= -DRAM= -DCHIP=
execute_process(COMMAND ${SIZE} ${ELF} OUTPUT_VARIABLE out RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "${SIZE} ${ELF} failed")
endif()
message("${out}")
string(REGEX MATCH "\n *([0-9]+)[ \t]+([0-9]+)[ \t]+([0-9]+)" m "${out}")
if(NOT m)
  message(FATAL_ERROR "cannot read the size of ${ELF}")
endif()
math(EXPR flash "${CMAKE_MATCH_1} + ${CMAKE_MATCH_2}")
math(EXPR ram "${CMAKE_MATCH_2} + ${CMAKE_MATCH_3}")
if(flash GREATER FLASH OR ram GREATER RAM)
  message(FATAL_ERROR "${ELF}: flash ${flash} B (the ${CHIP} has ${FLASH}), RAM ${ram} B (${RAM}): does not fit")
endif()
message("${ELF}: flash ${flash} of ${FLASH} B, RAM ${ram} of ${RAM} B (${CHIP})")
