// Canonical text of a 16-byte UUID (8-4-4-4-12 lower-case hex), as PostgreSQL prints it.
#pragma once

#include <array>
#include <string>

namespace sora::core {

using UuidBytes = std::array<unsigned char, 16>;

std::string format_uuid(const UuidBytes& bytes);

}  // namespace sora::core
