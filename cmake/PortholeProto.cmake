# porthole_grpc_proto(<target> ROOT <dir> PROTOS <rel.proto>...)
# Generates C++ messages and gRPC stubs with the system protoc, into a static library whose
# generated headers are SYSTEM includes (no warnings from generated code). Include them as
# "porthole/agent/v1/agent.grpc.pb.h".
function(porthole_grpc_proto target)
  cmake_parse_arguments(A "" "ROOT" "PROTOS" ${ARGN})
  set(out "${CMAKE_CURRENT_BINARY_DIR}/gen")
  set(srcs "")
  foreach(p IN LISTS A_PROTOS)
    string(REGEX REPLACE "\\.proto$" "" b "${p}")
    # The order matters: protoc writes --dependency_out in this order; ninja rebuilds otherwise.
    set(gen "${out}/${b}.grpc.pb.cc" "${out}/${b}.grpc.pb.h" "${out}/${b}.pb.cc" "${out}/${b}.pb.h")
    add_custom_command(OUTPUT ${gen}
      COMMAND "${CMAKE_COMMAND}" -E make_directory "${out}"
      COMMAND protobuf::protoc -I "${A_ROOT}" "--cpp_out=${out}" "--grpc_out=${out}"
              "--plugin=protoc-gen-grpc=$<TARGET_FILE:gRPC::grpc_cpp_plugin>"
              "--dependency_out=${out}/${b}.d" "${A_ROOT}/${p}"
      DEPENDS "${A_ROOT}/${p}" protobuf::protoc gRPC::grpc_cpp_plugin
      DEPFILE "${out}/${b}.d"
      VERBATIM)
    list(APPEND srcs ${gen})
  endforeach()
  add_library(${target} STATIC ${srcs})
  target_include_directories(${target} SYSTEM PUBLIC "${out}")
  target_link_libraries(${target} PUBLIC gRPC::grpc++ protobuf::libprotobuf)
  # Generated code is not ours: no warnings-as-errors, no clang-tidy.
  set_target_properties(${target} PROPERTIES CXX_CLANG_TIDY "")
endfunction()
