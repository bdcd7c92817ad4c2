"""One module per area; each registers its commands on import (see ``main.COMMAND_MODULES``)."""
