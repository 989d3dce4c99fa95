// Who is calling: asked of the database's own auth.uid() and auth.role(), never parsed here,
// so the extension follows whatever definition of them the database has.
#pragma once

#include <optional>

#include "spi.hpp"

namespace sora::pg {

struct Caller {
  std::optional<Uuid> user_id;  // auth.uid(); nullopt without a signed-in user
  bool is_service = false;      // auth.role() = 'service_role'
};

// Needs SPI (between spi_begin and spi_end).
Caller current_caller();

}  // namespace sora::pg
