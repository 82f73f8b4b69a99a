from brickyard_scaffold.cli import main

raise SystemExit(main())
