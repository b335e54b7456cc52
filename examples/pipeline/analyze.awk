# Mean square displacement of a trajectory ("step x" lines), as JSON.
# Equipartition says <x^2> = T / 2 for this well.
{ s += $2 * $2; n++ }
END { printf "{\"msd\": %.6f, \"samples\": %d}\n", s / n, n }
