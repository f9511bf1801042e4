#pragma once
// A weak reference to a dialog table entry, held by the session attempt that created it (an
// INVITE forked to several branches creates several early dialogs, which all end with the
// attempt). The check word detects that the slot has since been reused by another dialog.
#include <cstdint>

namespace sipmon {

struct DialogRef {
  std::uint32_t index = 0xffffffffu;
  std::uint32_t check = 0;  // low 32 bits of the dialog's key
  bool valid() const { return index != 0xffffffffu; }
};

}  // namespace sipmon
