// What `npm start` and `npm run start:prod` run (scripts/start.mjs): the embedded node (gateway +
// platform + console) with the demo's simulated homes. It is the composition root that joins the
// platform and device-sim, so neither imports the other. Plain JavaScript importing package roots
// only, so the same file runs on the sources (`--import tsx`) and on the compiled packages
// (`--conditions=@eldercare/compiled`).
import { failedToStart, runMain } from '@eldercare/platform'
import { playDemoHomes } from '@eldercare/device-sim'

runMain({ demoPlayer: playDemoHomes }).catch(failedToStart)
