from brickyard_release.cli import main

raise SystemExit(main())
