# cmake -DIN=file -DOUT=file.cpp -DIDENT=name -P embed_one.cmake
file(READ ${IN} hex HEX)
string(LENGTH "${hex}" hexlen)
math(EXPR len "${hexlen} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," bytes "${hex}")
file(WRITE ${OUT} "#include <string_view>\nstatic const char data_[] = {${bytes} 0};\nextern const std::string_view tc_embedded_${IDENT};\nconst std::string_view tc_embedded_${IDENT}(data_, ${len});\n")
