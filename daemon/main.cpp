// feedclusterd: polls RSS/Atom sources, stores their items in PostgreSQL and
// clusters them into stories. All wiring lives in cli/ and service/.
#include "cli/cli.hpp"

int main(int argc, char** argv) { return fcd::cli::run(argc, argv); }
