from brickyard_depgraph.cli import main

raise SystemExit(main())
