from brickyard_rename.cli import main

raise SystemExit(main())
