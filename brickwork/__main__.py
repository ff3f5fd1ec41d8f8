from brickwork.cli import main

raise SystemExit(main())
