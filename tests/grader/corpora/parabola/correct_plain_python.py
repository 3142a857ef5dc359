"""correct: plain Python floats, a while loop, the ratio measured from one step"""

def parabola_loss(w):
    d = w - 2
    return d * d


def parabola_grad(w):
    return 2 * w - 4


def gd_step(w, grad, lr):
    new = w - grad * lr
    return new


def trajectory(w0, lr, steps):
    ws = []
    losses = []
    w = w0
    k = 0
    while k < steps:
        w = gd_step(w, parabola_grad(w), lr)
        ws.append(w)
        losses.append(parabola_loss(w))
        k += 1
    return (ws, losses)


def error_ratio(lr):
    w = 6.0
    return (gd_step(w, parabola_grad(w), lr) - 2.0) / (w - 2.0)
