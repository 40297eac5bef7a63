"""Reference for the loader benchmark: pandas.read_csv on the same file, in a fresh process.
Prints JSON: seconds for the read alone (imports excluded), peak RSS of the process, rows."""
import json
import resource
import sys
import time

import pandas as pd

path = sys.argv[1]
t0 = time.perf_counter()
df = pd.read_csv(path, header=None)
seconds = time.perf_counter() - t0
print(json.dumps({
    "seconds": seconds,
    "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "rows": int(df.shape[0]),
    "version": pd.__version__,
}))
