from scoutsim.cli import main

raise SystemExit(main())
