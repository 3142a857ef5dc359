"""Worked examples that put a mistake's result beside the right one, both computed at build time.

One entry per mistake whose wrong formula gives a *number* on a small example the learner can
redo by hand: the right value comes from gdref, the mistaken one from the same gdref pieces
combined the wrong way (the mistake's formula). Mistakes about control flow or data handling
(a partial batch dropped, a state not returned, a test set standardised on its own statistics,
a trajectory missing its start, …) have no such single number and get only the deck's cards.
A new comparison is one more entry in ``EXAMPLES``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

import gdref
from gdref import datasets, losses, models, optim, schedules


@dataclass(frozen=True)
class Comparison:
    """One worked comparison: the example, the quantity, both formulas and both values."""

    label: str  # what the mistake does, in a few words
    setup: str  # the example, Markdown
    quantity: str  # TeX of the computed quantity
    right_tex: str
    wrong_tex: str
    values: Callable[[], tuple[float, float]]  # (right, mistaken)
    lesson: str  # one sentence, Markdown


W0, LR = 6.0, 0.3  # one step on the parabola L(w) = (w − 2)²
PARABOLA = f"$L(w) = (w-2)^2$ from $w_0 = {W0:g}$ with $\\alpha = {LR:g}$"


def _sgd(w: float, grad: float, lr: float) -> float:
    opt = optim.sgd(lr)
    new_w, _ = opt.step(np.array(w), np.array(grad), opt.init(np.array(w)))
    return float(new_w)


G0 = float(datasets.parabola_grad(W0))


def _parabola_step(grad: float, sign: float = 1.0, lr: float = LR) -> float:
    """A step w0 − sign · lr · grad written out (the mistaken variants change one piece)."""
    return W0 - sign * lr * grad


def _parabola_ratio() -> tuple[float, float]:
    trace = gdref.descend(datasets.parabola_objective, np.array(W0), optim.sgd(LR), max_steps=1)
    w0, w1 = (float(w) for w in trace.params_history[:2])
    return (w1 - datasets.PARABOLA_MIN) / (w0 - datasets.PARABOLA_MIN), 1 - LR


READINGS = datasets.thermometers()
W_THERMO = 20.0
THERMO = f"the three readings ${', '.join(f'{t:g}' for t in READINGS)}$ at $w = {W_THERMO:g}$"

X_LIN = np.array([[1.0], [2.0], [3.0]])
Y_LIN = np.array([2.0, 3.0, 5.0])
LINEAR = "$X = (1, 2, 3)^\\top$, $y = (2, 3, 5)$ at $W = 0$, $b = 0$ ($m = 3$)"

Z_BCE = np.array([2.0, -1.0])
Y_BCE = np.array([0.0, 0.0])
BCE = "logits $z = (2, -1)$ with labels $y = (0, 0)$ ($m = 2$)"


def _linear_grad_w() -> float:
    dW, _ = models.linear_grads(X_LIN, Y_LIN, np.zeros(1), 0.0)
    return float(dW[0])


def _momentum_w2(ema: bool, carried: bool = True) -> float:
    lr, beta = 0.1, 0.9
    w, v = W0, 0.0
    for _ in range(2):
        g = datasets.parabola_grad(w)
        v = (beta * v + (1 - beta) * g if ema else beta * v + g) if carried else g
        w = w - lr * v
    return w


def _momentum_right() -> float:
    opt = optim.momentum(0.1, beta=0.9)
    w = np.array(W0)
    state = opt.init(w)
    for _ in range(2):
        w, state = opt.step(w, np.array(datasets.parabola_grad(w)), state)
    return float(w)


def _adam_w1() -> tuple[float, float]:
    opt = optim.adam(0.1)
    w = np.array(W0)
    grad = float(datasets.parabola_grad(W0))
    new_w, state = opt.step(w, np.array(grad), opt.init(w))
    uncorrected = W0 - 0.1 * float(state.m) / (np.sqrt(float(state.v)) + 1e-8)
    return float(new_w), float(uncorrected)


def _adam_w2(carried: bool) -> float:
    opt = optim.adam(0.1)
    w = np.array(W0)
    state = opt.init(w)
    for _ in range(2):
        w, state = opt.step(
            w, np.array(datasets.parabola_grad(w)), state if carried else opt.init(w)
        )
    return float(w)


G_TINY = 1e-8  # a parameter whose gradient is almost zero: where ε matters


def _adam_tiny() -> float:
    """w_1 − w_0 of one gdref Adam step for the gradient G_TINY (ε after √v̂)."""
    opt = optim.adam(0.1)
    new_w, _ = opt.step(np.array(0.0), np.array(G_TINY), opt.init(np.array(0.0)))
    return float(new_w)


def _adam_tiny_moments() -> tuple[float, float]:
    """m̂_1, v̂_1 for the gradient G_TINY (bias-corrected, t = 1): g and g²."""
    opt = optim.adam(0.1)
    _, state = opt.step(np.array(0.0), np.array(G_TINY), opt.init(np.array(0.0)))
    return float(state.m) / (1 - 0.9), float(state.v) / (1 - 0.999)


def _adam_tiny_eps_inside() -> float:
    m_hat, v_hat = _adam_tiny_moments()
    return -0.1 * m_hat / np.sqrt(v_hat + 1e-8)


def _adam_tiny_keras() -> float:
    opt = optim.adam(0.1)
    _, state = opt.step(np.array(0.0), np.array(G_TINY), opt.init(np.array(0.0)))
    lr_t = 0.1 * np.sqrt(1 - 0.999) / (1 - 0.9)
    return float(-lr_t * float(state.m) / (np.sqrt(float(state.v)) + 1e-8))


X_LOG = np.array([[1.0], [-2.0], [3.0], [0.5]])
Y_LOG = np.array([1, 0, 0, 1])
W_LOG = np.array([1.0])
LOGISTIC = "$X = (1, -2, 3, 0.5)^\\top$, $y = (1, 0, 0, 1)$, $W = 1$, $b = 0$ ($m = 4$)"


def _accuracy() -> tuple[float, float]:
    correct = models.logistic_predict(X_LOG, W_LOG, 0.0) == Y_LOG
    return float(np.mean(correct)), float(np.sum(correct))


def _logistic_grad_w() -> float:
    dW, _ = models.logistic_grads(X_LOG, Y_LOG, W_LOG, 0.0)
    return float(dW[0])


X_SIGN = np.array([[1.0], [-1.0], [2.0]])
Y_SIGN = np.array([1.0, 1.0, -1.0])
SIGN = "$X = (1, -1, 2)^\\top$, $y = (1, 1, -1)$, $W = 1$, $b = 0$ ($m = 3$)"


def _thermo_step(sign: float, lr: float) -> float:
    grad = float(np.sum(losses.absolute_error_grad(np.full(3, W_THERMO), READINGS)))
    return W_THERMO - sign * lr * grad


BATCH = slice(0, 2)  # the first mini-batch (B = 2) of the three linear-regression examples


def _batch_grad() -> tuple[float, float]:
    dW, _ = models.linear_grads(X_LIN[BATCH], Y_LIN[BATCH], np.zeros(1), 0.0)
    return float(dW[0]), float(dW[0]) * len(Y_LIN[BATCH]) / len(Y_LIN)


def _cube(w: np.ndarray) -> float:
    return float(np.sum(np.asarray(w) ** 3))


H = 1e-3


def _central() -> float:
    return float(gdref.gradcheck.numerical_gradient(_cube, np.array([2.0]), eps=H)[0])


EXAMPLES: dict[str, Comparison] = {
    "parabola/sign_flipped": Comparison(
        "adds the step instead of subtracting it",
        f"One gradient-descent step on {PARABOLA}.",
        "w_1",
        "w_0 - \\alpha \\cdot 2(w_0 - 2)",
        "w_0 + \\alpha \\cdot 2(w_0 - 2)",
        lambda: (_sgd(W0, G0, LR), _parabola_step(G0, sign=-1.0)),
        "The minus sign is what makes the step go downhill.",
    ),
    "parabola/lr_ignored": Comparison(
        "leaves out the learning rate",
        f"One gradient-descent step on {PARABOLA}.",
        "w_1",
        "w_0 - \\alpha \\cdot 2(w_0 - 2)",
        "w_0 - 2(w_0 - 2)",
        lambda: (_sgd(W0, G0, LR), _parabola_step(G0, lr=1.0)),
        "Without $\\alpha$ the step is as long as the slope, which overshoots far past $w^* = 2$.",
    ),
    "parabola/grad_missing_factor_2": Comparison(
        "drops the factor 2 of the derivative",
        f"One gradient-descent step on {PARABOLA}.",
        "w_1",
        "w_0 - \\alpha \\cdot 2(w_0 - 2)",
        "w_0 - \\alpha (w_0 - 2)",
        lambda: (_sgd(W0, G0, LR), _parabola_step(W0 - 2.0)),
        "$\\frac{d}{dw}(w-2)^2 = 2(w-2)$ by the chain rule.",
    ),
    "parabola/ratio_missing_two": Comparison(
        "uses 1 − α as the error ratio",
        f"The ratio $\\frac{{w_1 - 2}}{{w_0 - 2}}$ on {PARABOLA}.",
        "\\frac{w_1 - 2}{w_0 - 2}",
        "1 - 2\\alpha",
        "1 - \\alpha",
        _parabola_ratio,
        "$$w_1 - 2 = (w_0 - 2) - \\alpha \\cdot 2(w_0 - 2) = (1 - 2\\alpha)(w_0 - 2)$$",
    ),
    "thermometers/sum_not_mean": Comparison(
        "sums the absolute errors instead of averaging them",
        f"The absolute-error loss of {THERMO}.",
        "J(w)",
        "\\frac{1}{m} \\sum_i \\lvert w - t_i \\rvert",
        "\\sum_i \\lvert w - t_i \\rvert",
        lambda: (
            losses.absolute_error(np.full(3, W_THERMO), READINGS),
            float(np.sum(np.abs(W_THERMO - READINGS))),
        ),
        "The loss is a mean: divide by $m$.",
    ),
    "thermometers/squared_error_gradient": Comparison(
        "uses the squared error's gradient",
        f"The (sub)gradient of the absolute-error loss of {THERMO}.",
        "\\frac{dJ}{dw}",
        "\\frac{1}{m} \\sum_i \\operatorname{sign}(w - t_i)",
        "\\frac{1}{m} \\sum_i (w - t_i)",
        lambda: (
            float(np.sum(losses.absolute_error_grad(np.full(3, W_THERMO), READINGS))),
            float(np.mean(W_THERMO - READINGS)),
        ),
        "Each reading contributes only its direction, $-1$, $0$ or $+1$, not its distance.",
    ),
    "linear_regression/missing_half": Comparison(
        "leaves out the ½ of the MSE",
        f"The MSE loss for {LINEAR}.",
        "J",
        "\\frac{1}{2m} \\sum_i (\\hat{y}_i - y_i)^2",
        "\\frac{1}{m} \\sum_i (\\hat{y}_i - y_i)^2",
        lambda: (
            models.linear_loss(X_LIN, Y_LIN, np.zeros(1), 0.0),
            float(np.mean(Y_LIN**2)),
        ),
        "The ½ cancels the 2 of the derivative; PyTorch's `MSELoss` has no ½.",
    ),
    "linear_regression/sum_not_mean": Comparison(
        "sums the gradient over the examples without dividing by m",
        f"The gradient $\\frac{{\\partial J}}{{\\partial W}}$ for {LINEAR}.",
        "\\frac{\\partial J}{\\partial W}",
        "\\frac{1}{m} X^\\top (\\hat{y} - y)",
        "X^\\top (\\hat{y} - y)",
        lambda: (_linear_grad_w(), len(Y_LIN) * _linear_grad_w()),
        "$J$ is a mean over $m$ examples, so its gradient carries $\\frac{1}{m}$.",
    ),
    "linear_regression/residual_sign": Comparison(
        "uses y − ŷ instead of ŷ − y",
        f"The gradient $\\frac{{\\partial J}}{{\\partial W}}$ for {LINEAR}.",
        "\\frac{\\partial J}{\\partial W}",
        "\\frac{1}{m} X^\\top (\\hat{y} - y)",
        "\\frac{1}{m} X^\\top (y - \\hat{y})",
        lambda: (_linear_grad_w(), -_linear_grad_w()),
        "Prediction minus target: the derivative of $(\\hat{y} - y)^2$ is $2(\\hat{y} - y)$.",
    ),
    "bce_gradient/missing_1_over_m": Comparison(
        "leaves out the 1/m",
        f"$\\frac{{\\partial J}}{{\\partial z_1}}$ of the mean BCE for {BCE}.",
        "\\frac{\\partial J}{\\partial z_1}",
        "\\frac{1}{m}(\\sigma(z_1) - y_1)",
        "\\sigma(z_1) - y_1",
        lambda: (
            float(losses.bce_with_logits_grad(Z_BCE, Y_BCE)[0]),
            float(gdref.sigmoid(Z_BCE[0]) - Y_BCE[0]),
        ),
        "Each $z_i$ appears in one term of a mean over $m$.",
    ),
    "bce_gradient/extra_sigmoid_derivative": Comparison(
        "multiplies by σ'(z) once more",
        f"$\\frac{{\\partial J}}{{\\partial z_1}}$ of the mean BCE for {BCE}.",
        "\\frac{\\partial J}{\\partial z_1}",
        "\\frac{1}{m}(\\hat{y}_1 - y_1)",
        "\\frac{1}{m}(\\hat{y}_1 - y_1)\\, \\hat{y}_1 (1 - \\hat{y}_1)",
        lambda: (
            float(losses.bce_with_logits_grad(Z_BCE, Y_BCE)[0]),
            float(losses.bce_with_logits_grad(Z_BCE, Y_BCE)[0] * gdref.sigmoid_grad(Z_BCE[0])),
        ),
        "The factor $\\hat{y}(1 - \\hat{y})$ already cancelled in the derivation.",
    ),
    "bce_gradient/bce_sum_not_mean": Comparison(
        "sums the BCE instead of averaging it",
        f"The BCE loss for {BCE}.",
        "J",
        "-\\frac{1}{m} \\sum_i [y_i \\log \\hat{y}_i + (1 - y_i) \\log(1 - \\hat{y}_i)]",
        "-\\sum_i [y_i \\log \\hat{y}_i + (1 - y_i) \\log(1 - \\hat{y}_i)]",
        lambda: (
            losses.bce_with_logits(Z_BCE, Y_BCE),
            len(Y_BCE) * losses.bce_with_logits(Z_BCE, Y_BCE),
        ),
        "Binary cross-entropy is the mean over the $m$ examples.",
    ),
    "momentum/ema_velocity": Comparison(
        "averages the gradient into the velocity",
        "Two momentum steps on $L(w) = (w-2)^2$ from $w_0 = 6$, $\\eta = 0.1$, $\\beta = 0.9$.",
        "w_2",
        "v \\leftarrow \\beta v + g,\\ w \\leftarrow w - \\eta v",
        "v \\leftarrow \\beta v + (1 - \\beta) g,\\ w \\leftarrow w - \\eta v",
        lambda: (_momentum_right(), _momentum_w2(ema=True)),
        "Momentum adds the full gradient; the $(1 - \\beta)$ average is Adam's first moment.",
    ),
    "momentum/velocity_not_carried": Comparison(
        "starts every step from a zero velocity",
        "Two momentum steps on $L(w) = (w-2)^2$ from $w_0 = 6$, $\\eta = 0.1$, $\\beta = 0.9$.",
        "w_2",
        "v_2 = \\beta v_1 + g_1",
        "v_2 = g_1",
        lambda: (_momentum_right(), _momentum_w2(ema=False, carried=False)),
        "Without the carried velocity it is plain gradient descent.",
    ),
    "adam/no_bias_correction": Comparison(
        "skips the bias correction",
        "One Adam step on $L(w) = (w-2)^2$ from $w_0 = 6$ with $\\eta = 0.1$ and the defaults.",
        "w_1",
        "w_0 - \\eta \\frac{\\hat m_1}{\\sqrt{\\hat v_1} + \\epsilon}",
        "w_0 - \\eta \\frac{m_1}{\\sqrt{v_1} + \\epsilon}",
        _adam_w1,
        "$m_1$ and $v_1$ start biased towards 0; $\\hat m_1 = g$ and $\\hat v_1 = g^2$ undo it.",
    ),
    "adam/state_not_carried": Comparison(
        "starts every step from a fresh state",
        "Two Adam steps on $L(w) = (w-2)^2$ from $w_0 = 6$ with $\\eta = 0.1$ and the defaults.",
        "w_2",
        "\\text{state}_1 \\to \\text{step } 2",
        "\\text{fresh state} \\to \\text{step } 2",
        lambda: (_adam_w2(carried=True), _adam_w2(carried=False)),
        "Adam's moving averages only work if each step gets the state the last one returned.",
    ),
    "learning_rate/step_off_by_one": Comparison(
        "drops the rate one update too early",
        "Step decay with $\\alpha_0 = 0.1$, $s = 3$, $\\gamma = 0.5$, at update $k = 2$.",
        "\\alpha_2",
        "\\alpha_0 \\gamma^{\\lfloor k / s \\rfloor}",
        "\\alpha_0 \\gamma^{\\lfloor (k + 1) / s \\rfloor}",
        lambda: (schedules.step_decay(0.1, 3, 0.5)(2), 0.1 * 0.5 ** ((2 + 1) // 3)),
        "The first update is $k = 0$; the rate first drops at $k = s$.",
    ),
    "learning_rate/step_no_floor": Comparison(
        "decays smoothly instead of in steps",
        "Step decay with $\\alpha_0 = 0.1$, $s = 3$, $\\gamma = 0.5$, at update $k = 2$.",
        "\\alpha_2",
        "\\alpha_0 \\gamma^{\\lfloor k / s \\rfloor}",
        "\\alpha_0 \\gamma^{k / s}",
        lambda: (schedules.step_decay(0.1, 3, 0.5)(2), 0.1 * 0.5 ** (2 / 3)),
        "The floor keeps the rate constant for $s$ updates at a time.",
    ),
    "learning_rate/exponential_off_by_one": Comparison(
        "is one step ahead",
        "Exponential decay with $\\alpha_0 = 0.1$, $\\gamma = 0.9$, at the first update $k = 0$.",
        "\\alpha_0",
        "\\alpha_0 \\gamma^{k}",
        "\\alpha_0 \\gamma^{k + 1}",
        lambda: (schedules.exponential_decay(0.1, 0.9)(0), 0.1 * 0.9),
        "The first update uses the initial rate.",
    ),
    "learning_rate/decay_steps_ignored": Comparison(
        "ignores decay_steps",
        "Inverse-time decay with $\\alpha_0 = 0.1$, $d = 0.5$, $s = 10$, at update $k = 4$.",
        "\\alpha_4",
        "\\frac{\\alpha_0}{1 + d \\, k / s}",
        "\\frac{\\alpha_0}{1 + d \\, k}",
        lambda: (schedules.inverse_time_decay(0.1, 0.5, 10)(4), 0.1 / (1 + 0.5 * 4)),
        "$k / s$ measures time in units of decay steps.",
    ),
    "gradient_check/forward_difference": Comparison(
        "uses the one-sided forward difference",
        f"The numerical derivative of $f(w) = w^3$ at $w = 2$ with $h = {H:g}$ (exactly 12).",
        "f'(2)",
        "\\frac{f(w + h) - f(w - h)}{2h}",
        "\\frac{f(w + h) - f(w)}{h}",
        lambda: (_central(), (_cube(np.array([2.0 + H])) - _cube(np.array([2.0]))) / H),
        "The central difference's error shrinks like $h^2$, the forward difference's like $h$.",
    ),
    "gradient_check/divided_by_h": Comparison(
        "divides the central difference by h",
        f"The numerical derivative of $f(w) = w^3$ at $w = 2$ with $h = {H:g}$ (exactly 12).",
        "f'(2)",
        "\\frac{f(w + h) - f(w - h)}{2h}",
        "\\frac{f(w + h) - f(w - h)}{h}",
        lambda: (_central(), 2 * _central()),
        "The two points are $2h$ apart.",
    ),
    "adam/eps_inside_sqrt": Comparison(
        "puts ε inside the square root",
        "One Adam step ($\\eta = 0.1$, defaults) for a parameter whose gradient is $g = 10^{-8}$.",
        "w_1 - w_0",
        "-\\eta \\frac{\\hat m_1}{\\sqrt{\\hat v_1} + \\epsilon}",
        "-\\eta \\frac{\\hat m_1}{\\sqrt{\\hat v_1 + \\epsilon}}",
        lambda: (_adam_tiny(), _adam_tiny_eps_inside()),
        "With a tiny gradient $\\sqrt{\\hat v}$ is as small as $\\epsilon$, "
        "and where $\\epsilon$ goes decides the step.",
    ),
    "adam/keras_epsilon": Comparison(
        "adds ε before the bias correction (the Keras form)",
        "One Adam step ($\\eta = 0.1$, defaults) for a parameter whose gradient is $g = 10^{-8}$.",
        "w_1 - w_0",
        "-\\eta \\frac{\\hat m_1}{\\sqrt{\\hat v_1} + \\epsilon}",
        "-\\eta \\frac{\\sqrt{1 - \\beta_2}}{1 - \\beta_1} \\frac{m_1}{\\sqrt{v_1} + \\epsilon}",
        lambda: (_adam_tiny(), _adam_tiny_keras()),
        "Correct $m$ and $v$ first, then add $\\epsilon$ to $\\sqrt{\\hat v}$ "
        "(Kingma and Ba, PyTorch).",
    ),
    "logistic_regression/accuracy_count": Comparison(
        "counts the correct predictions",
        f"The accuracy of logistic regression on {LOGISTIC}.",
        "\\text{accuracy}",
        "\\frac{1}{m} \\sum_i [\\hat{c}_i = y_i]",
        "\\sum_i [\\hat{c}_i = y_i]",
        _accuracy,
        "Accuracy is a fraction between 0 and 1.",
    ),
    "logistic_regression/gradient_sum_not_mean": Comparison(
        "leaves out the 1/m of the gradient",
        f"The gradient $\\frac{{\\partial J}}{{\\partial W}}$ of the mean BCE for {LOGISTIC}.",
        "\\frac{\\partial J}{\\partial W}",
        "\\frac{1}{m} X^\\top (\\sigma(z) - y)",
        "X^\\top (\\sigma(z) - y)",
        lambda: (_logistic_grad_w(), len(Y_LOG) * _logistic_grad_w()),
        "$J$ is a mean, so "
        "$\\frac{\\partial J}{\\partial z_i} = \\frac{1}{m}(\\sigma(z_i) - y_i)$.",
    ),
    "sign_perceptron/loss_missing_mean": Comparison(
        "leaves out the 1/m of the loss",
        f"The squared-error loss of the sign perceptron for {SIGN}.",
        "J",
        "\\frac{1}{2m} \\sum_i (\\operatorname{sign}(z_i) - y_i)^2",
        "\\frac{1}{2} \\sum_i (\\operatorname{sign}(z_i) - y_i)^2",
        lambda: (
            models.sign_perceptron_loss(X_SIGN, Y_SIGN, np.array([1.0]), 0.0),
            len(Y_SIGN) * models.sign_perceptron_loss(X_SIGN, Y_SIGN, np.array([1.0]), 0.0),
        ),
        "The loss is a mean over the $m$ examples.",
    ),
    "thermometers/sign_flipped": Comparison(
        "steps along the subgradient instead of against it",
        f"One subgradient step with $\\alpha = 0.5$ on the absolute error of {THERMO}.",
        "w_1",
        "w - \\alpha \\frac{1}{m} \\sum_i \\operatorname{sign}(w - t_i)",
        "w + \\alpha \\frac{1}{m} \\sum_i \\operatorname{sign}(w - t_i)",
        lambda: (_thermo_step(1.0, 0.5), _thermo_step(-1.0, 0.5)),
        "Below every reading the slope is negative, so downhill is towards the readings.",
    ),
    "thermometers/lr_ignored": Comparison(
        "leaves out the learning rate",
        f"One subgradient step with $\\alpha = 0.5$ on the absolute error of {THERMO}.",
        "w_1",
        "w - \\alpha g",
        "w - g",
        lambda: (_thermo_step(1.0, 0.5), _thermo_step(1.0, 1.0)),
        "The subgradient only gives a direction; $\\alpha$ sets the step length.",
    ),
    "linear_regression/lr_ignored": Comparison(
        "leaves out the learning rate",
        f"One gradient-descent step with $\\alpha = 0.1$ for {LINEAR}.",
        "W_1",
        "W_0 - \\alpha \\frac{\\partial J}{\\partial W}",
        "W_0 - \\frac{\\partial J}{\\partial W}",
        lambda: (_sgd(0.0, _linear_grad_w(), 0.1), -_linear_grad_w()),
        "Without $\\alpha$ the step is the whole gradient, far too long here.",
    ),
    "minibatch/mean_over_m": Comparison(
        "divides the batch gradient by m",
        f"The gradient of the first mini-batch (the first $B = 2$ examples) for {LINEAR}.",
        "\\frac{\\partial J_{\\mathcal{B}}}{\\partial W}",
        "\\frac{1}{B} \\sum_{i \\in \\mathcal{B}} (\\hat{y}_i - y_i) x_i",
        "\\frac{1}{m} \\sum_{i \\in \\mathcal{B}} (\\hat{y}_i - y_i) x_i",
        _batch_grad,
        "The batch loss is the mean over the batch: divide by $B$.",
    ),
}
