"""`python -m brickyard_schedules`: see brickyard_schedules.cli."""

import sys

from brickyard_schedules.cli import main

sys.exit(main())
