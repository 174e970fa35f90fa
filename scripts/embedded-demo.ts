// What `npm start` runs (scripts/start.mjs): the embedded node (gateway + platform + console)
// with the demo's simulated homes. It is the composition root that joins the platform and
// device-sim, so neither imports the other.
import { failedToStart, runMain } from '@eldercare/platform'
import { playDemoHomes } from '@eldercare/device-sim'

runMain({ demoPlayer: playDemoHomes }).catch(failedToStart)
