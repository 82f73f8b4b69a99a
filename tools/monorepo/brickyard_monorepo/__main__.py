from brickyard_monorepo.cli import main

raise SystemExit(main())
