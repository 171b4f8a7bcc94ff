"""Every machine-measured constant and speed trick in one place, each with what it does and how it
was measured; set one to its "off" value and the code takes the plain path (the tests run both).

Rank 0: this module imports nothing from chainrule.
"""

# Threads. Below these sizes (elements) a parallel region costs more than it saves. Numba's
# work-queue threading layer (the fork-safe one) costs 100–170 µs to start a parallel region on a
# 2-core AMD EPYC VM. Adam's loop (a square root and a division per element) breaks even near 1M
# elements (0.33 ms serial against 0.41 parallel at 0.5M, 1.44 against 1.17 at 2M); batch norm's
# kernels ran 0.62× PyTorch in parallel against 0.90× serial at 1.6M. A light loop — a few flops
# per element read: the SGD step, the softmax and sigmoid backwards — is memory-bound: timed alone,
# serial won up to 4M elements (softmax backward 0.93 ms against 1.37 at 4.2M; SGD 241 µs against
# 342 at 2M). Inside a training step, where its arrays are fresh and not in cache, parallel won:
# the softmax workload (4.2M elements) ran 1.04–1.27× PyTorch with the threshold at 2²⁰ against
# 1.18–1.44× at 2²⁴ (three runs each, 2026-12-03), and W1's SGD steps were no slower.
PARALLEL_MIN_COMPILED = 1 << 20     # a Numba kernel runs its serial compilation below this
PARALLEL_MIN_LIGHT = 1 << 20        # … and a light loop below this
PARALLEL_MIN_ROWS = 1 << 18         # a NumPy reference runs its row blocks inline below this
# A heavy loop — an exp or erf per element, GELU's forward — pays for the region much earlier:
# 1.79 ms serial against 0.94 ms parallel at 393k float32 elements (the same AMD VM).
PARALLEL_MIN_HEAVY = 1 << 17
# Elementwise float32 kernels (kernels/pointwise.elementwise) run their NumPy reference below this
# many elements, where calling the compiled loop (~8 µs of Python and dispatch on the 2-core AMD
# EPYC VM) costs more than it saves: measured crossovers near 2,000 elements for tanh, 4,000 for
# exp; σ's three-pass reference lost at every size. 0 always compiles.
COMPILED_MIN_ELEMENTS = 2048

# Convolution input gradient: by whole-array shifted adds over the padded grid, or by window adds.
# The choice compares  grid·(MULADD·o + SHIFTED_ADD)  with  outputs·(MULADD·o + WINDOW_ADD)  (ns per
# element, measured on a 2-core AVX2 machine: a GEMM multiply-add 0.014, a contiguous add 0.2, a
# strided window add 0.6). SHIFTED_ADDS = False always uses the window adds.
SHIFTED_ADDS = True
CONV_MULADD_NS, CONV_SHIFTED_ADD_NS, CONV_WINDOW_ADD_NS = 0.014, 0.2, 0.6

# Convolution input gradient (stride 1): as a convolution of the output gradient with the flipped
# filters — one product contracting over k·k·o — when there are no more filters than input channels
# and at most this many (kernels/conv._gradient_conv_pays has the measurements). GRADIENT_CONV =
# False keeps the shifted or window adds.
GRADIENT_CONV = True
CONV_GRADIENT_CONV_MAX_FILTERS = 64

# Channels-last copies of images whose channel planes are a multiple of 512 bytes (32×32 float32)
# map every read to one cache set (measured 6× slower); such planes are first copied to a longer
# stride. RESTRIDE_ALIASED_PLANES = False copies directly.
RESTRIDE_ALIASED_PLANES = True
RESTRIDE_MIN_CHANNELS = 8

# The engine makes a gradient array the leaf's .grad without copying when nothing else refers to
# it (a reference count calibrated at import; see autograd/engine.py). False always copies.
STEAL_LEAF_GRADIENTS = True

# Softmax-style exponentials skip subtracting the row max when every row max is within this bound
# (exp cannot overflow, nor a row sum underflow): one pass fewer, the same result up to rounding
# (~1e-6 absolute in float32). 0 always shifts. Used by cross-entropy's forward.
UNSHIFTED_EXP_LIMIT = 16.0
