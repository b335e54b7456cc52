# A Metropolis random walk in a harmonic well at temperature T.
# Variables: T (temperature), seed, steps. Prints "step x" per step.
BEGIN {
  srand(seed)
  x = 0
  for (i = 1; i <= steps; i++) {
    y = x + (rand() - 0.5)
    dE = y * y - x * x
    if (dE < 0 || rand() < exp(-dE / T)) x = y
    print i, x
  }
}
