"""A discrete hidden Markov model (Lecture: RNN — what speech recognition used before, and what an
RNN is compared with), in log space throughout.

States z₁…z_T follow a Markov chain: P(z₁ = i) = πᵢ, P(z_t = j | z_{t−1} = i) = A_ij; each state
emits a symbol: P(x_t = k | z_t = j) = B_jk. The three questions:

- how likely is a sequence?  forward algorithm: α_t(j) = B_j(x_t) Σᵢ α_{t−1}(i) A_ij,  P(x) = Σⱼ α_T(j)
- which states explain it best?  Viterbi: δ_t(j) = B_j(x_t) maxᵢ δ_{t−1}(i) A_ij, then trace back
- which parameters fit the data?  Baum–Welch (EM): expected counts from α and β, renormalized
"""
import numpy as np


def _logsumexp(a, axis):
    m = np.max(a, axis=axis, keepdims=True)
    m = np.where(np.isneginf(m), 0.0, m)
    with np.errstate(divide="ignore"):
        return np.squeeze(m, axis) + np.log(np.sum(np.exp(a - m), axis=axis))


class HMM:
    """``n_states`` hidden states, ``n_symbols`` observable symbols; parameters as probabilities
    (``start`` π, ``transition`` A, ``emission`` B), random rows summing to 1 unless given."""

    def __init__(self, n_states, n_symbols, start=None, transition=None, emission=None, seed=0):
        rng = np.random.default_rng(seed)
        self.start = np.asarray(start, float) if start is not None else rng.dirichlet(np.ones(n_states))
        self.transition = (np.asarray(transition, float) if transition is not None
                           else rng.dirichlet(np.ones(n_states), size=n_states))
        self.emission = (np.asarray(emission, float) if emission is not None
                         else rng.dirichlet(np.ones(n_symbols), size=n_states))
        for name, p, shape in (("start", self.start, (n_states,)), ("transition", self.transition, (n_states, n_states)),
                               ("emission", self.emission, (n_states, n_symbols))):
            if p.shape != shape or np.any(p < 0) or not np.allclose(p.sum(-1), 1.0):
                raise ValueError(f"HMM: {name} must be {shape} with non-negative rows summing to 1, got shape {p.shape}")

    def _logs(self):
        with np.errstate(divide="ignore"):
            return np.log(self.start), np.log(self.transition), np.log(self.emission)

    def _check(self, obs):
        obs = np.asarray(obs, np.int64)
        if obs.ndim != 1 or obs.size == 0 or obs.min() < 0 or obs.max() >= self.emission.shape[1]:
            raise ValueError(f"HMM: observations must be a non-empty 1-D sequence of symbols in "
                             f"[0, {self.emission.shape[1]}), got {obs}")
        return obs

    def forward(self, obs):
        """log α (T, K) and log P(x)."""
        obs = self._check(obs)
        lpi, la, lb = self._logs()
        alpha = np.empty((len(obs), len(lpi)))
        alpha[0] = lpi + lb[:, obs[0]]
        for t in range(1, len(obs)):
            alpha[t] = _logsumexp(alpha[t - 1][:, None] + la, 0) + lb[:, obs[t]]
        return alpha, float(_logsumexp(alpha[-1], 0))

    def backward(self, obs):
        """log β (T, K): β_t(i) = Σⱼ A_ij B_j(x_{t+1}) β_{t+1}(j), β_T = 1."""
        obs = self._check(obs)
        _, la, lb = self._logs()
        beta = np.zeros((len(obs), la.shape[0]))
        for t in range(len(obs) - 2, -1, -1):
            beta[t] = _logsumexp(la + (lb[:, obs[t + 1]] + beta[t + 1])[None, :], 1)
        return beta

    def log_likelihood(self, obs):
        return self.forward(obs)[1]

    def posterior(self, obs):
        """P(z_t = j | x) (T, K) from α β."""
        alpha, logp = self.forward(obs)
        return np.exp(alpha + self.backward(obs) - logp)

    def viterbi(self, obs):
        """The most probable state sequence and its log probability log P(x, z*)."""
        obs = self._check(obs)
        lpi, la, lb = self._logs()
        delta = lpi + lb[:, obs[0]]
        back = np.zeros((len(obs), len(lpi)), np.int64)
        for t in range(1, len(obs)):
            scores = delta[:, None] + la
            back[t] = scores.argmax(0)
            delta = scores.max(0) + lb[:, obs[t]]
        path = [int(delta.argmax())]
        for t in range(len(obs) - 1, 0, -1):
            path.append(int(back[t, path[-1]]))
        return path[::-1], float(delta.max())

    def baum_welch(self, sequences, iterations=20, tol=1e-8):
        """Fit π, A, B to the sequences by expectation–maximization; returns the total
        log-likelihood before each iteration's update and after the last (never decreasing)."""
        seqs = [self._check(s) for s in sequences]
        history = []
        K, V = self.emission.shape
        for _ in range(iterations + 1):
            _, la, lb = self._logs()
            start, trans, emit, total = np.zeros(K), np.zeros((K, K)), np.zeros((K, V)), 0.0
            for obs in seqs:
                alpha, logp = self.forward(obs)
                beta = self.backward(obs)
                total += logp
                gamma = np.exp(alpha + beta - logp)                                  # P(z_t = i | x)
                start += gamma[0]
                for t in range(len(obs) - 1):                                        # P(z_t = i, z_{t+1} = j | x)
                    trans += np.exp(alpha[t][:, None] + la + lb[:, obs[t + 1]][None, :] + beta[t + 1][None, :] - logp)
                np.add.at(emit.T, obs, gamma)
            history.append(total)
            if len(history) > iterations or (len(history) > 1 and history[-1] - history[-2] < tol):
                break
            self.start = start / start.sum()
            self.transition = trans / np.maximum(trans.sum(1, keepdims=True), 1e-300)
            self.emission = emit / np.maximum(emit.sum(1, keepdims=True), 1e-300)
        return history

    def sample(self, length, seed=None):
        """(states, symbols) of one sequence drawn from the model."""
        rng = np.random.default_rng(seed)
        z = [rng.choice(len(self.start), p=self.start)]
        for _ in range(length - 1):
            z.append(rng.choice(len(self.start), p=self.transition[z[-1]]))
        x = [rng.choice(self.emission.shape[1], p=self.emission[s]) for s in z]
        return np.array(z), np.array(x)
