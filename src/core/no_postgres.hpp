// Header firewall: the core is plain C++, built and tested without a server.
// Every src/core/*.cpp includes this file after all its other includes; if anything it
// pulled in was a PostgreSQL header, the build stops here. (The CMake build of the core
// has no PostgreSQL include path at all, which enforces the same rule for headers.)
#pragma once

#if defined(POSTGRES_H) || defined(PG_VERSION_NUM)
#error "src/core must not include PostgreSQL headers; put server code in src/pg/"
#endif
