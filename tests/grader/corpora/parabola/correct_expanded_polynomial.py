"""correct: the loss expanded as w² − 4w + 4, recursion for the trajectory"""

def parabola_loss(w):
    return w * w - 4.0 * w + 4.0


def parabola_grad(w):
    return w + w - 4.0


def gd_step(w, grad, lr):
    return -lr * grad + w


def _run(w, lr, steps):
    if steps == 0:
        return [], []
    w = gd_step(w, parabola_grad(w), lr)
    rest_w, rest_l = _run(w, lr, steps - 1)
    return [w] + rest_w, [(w - 2.0) ** 2] + rest_l


def trajectory(w0, lr, steps):
    return _run(w0, lr, steps)


def error_ratio(lr):
    return -(2.0 * lr - 1.0)
