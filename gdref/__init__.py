"""gdref — a readable NumPy reference implementation of week 2: gradient descent.

Every number elsewhere in gdkit (grader expectations, deck answers, figures) is computed here.
Conventions: X is (m, n), one example per row; float64; inputs are never modified; MSE carries
1/(2m); momentum in the PyTorch form; Adam with ε after √v̂. See each module's docstring.
"""

from gdref import datasets, descent, gradcheck, optim, schedules
from gdref.activations import sigmoid, sigmoid_grad, sign, sign_grad
from gdref.descent import Trace, descend, linear_objective, logistic_objective
from gdref.gradcheck import GradCheckResult, check_gradient, numerical_gradient, rel_error
from gdref.losses import (
    absolute_error,
    absolute_error_grad,
    bce,
    bce_grad,
    bce_with_logits,
    bce_with_logits_grad,
    mse,
    mse_grad,
)
from gdref.models import (
    linear_grads,
    linear_loss,
    linear_loss_and_grads,
    linear_predict,
    logistic_grads,
    logistic_loss,
    logistic_loss_and_grads,
    logistic_predict,
    logistic_predict_proba,
    sign_perceptron_grads,
    sign_perceptron_loss,
    sign_perceptron_predict,
)
from gdref.optim import Optimizer, adam, momentum, sgd

__all__ = [
    "datasets",
    "descent",
    "gradcheck",
    "optim",
    "schedules",
    "sigmoid",
    "sigmoid_grad",
    "sign",
    "sign_grad",
    "Trace",
    "descend",
    "linear_objective",
    "logistic_objective",
    "GradCheckResult",
    "check_gradient",
    "numerical_gradient",
    "rel_error",
    "absolute_error",
    "absolute_error_grad",
    "bce",
    "bce_grad",
    "bce_with_logits",
    "bce_with_logits_grad",
    "mse",
    "mse_grad",
    "linear_grads",
    "linear_loss",
    "linear_loss_and_grads",
    "linear_predict",
    "logistic_grads",
    "logistic_loss",
    "logistic_loss_and_grads",
    "logistic_predict",
    "logistic_predict_proba",
    "sign_perceptron_grads",
    "sign_perceptron_loss",
    "sign_perceptron_predict",
    "Optimizer",
    "adam",
    "momentum",
    "sgd",
]
