# neurode_set_warnings(target): warnings stay PRIVATE to neurode's own targets. Every one of them
# calls it, so it also applies the sanitizers when NEURODE_SANITIZE is on (NeurodeSanitize.cmake).
function(neurode_set_warnings target)
  neurode_set_sanitizers(${target})
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wno-unused-parameter)
  if(NEURODE_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
