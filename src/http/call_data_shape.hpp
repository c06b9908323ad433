// The shape of a successful call's `data` on the wire (--call-data). The seed's README
// shows a list of one result, and that is the default; the running original service
// answered the result object itself, which producers written against it expect.
#pragma once

namespace tc {

enum class CallDataShape {
  list,    // [{"id","result_info","result_content"}]
  object,  // {"id","result_info","result_content"}
};

}  // namespace tc
