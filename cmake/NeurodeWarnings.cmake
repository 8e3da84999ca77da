# neurode_set_warnings(target): warnings stay PRIVATE to neurode's own targets.
function(neurode_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wno-unused-parameter)
  if(NEURODE_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
