import sys

from brickyard_conda_env.cli import main

sys.exit(main())
