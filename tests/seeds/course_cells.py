"""Code that the seed notebooks repeat word for word, so that their test files (which
transcribe the cells) hold it once.

``PLOT_LOSS_AND_ACCURACY`` ends every training cell of seeds 000 and 002: the loss and
accuracy curves side by side, from the ``epochs``, ``losses`` and ``accuracies`` lists the
cell's loop filled.
"""

PLOT_LOSS_AND_ACCURACY = """
plt.subplot(1, 2, 1)
plt.plot(epochs, losses)
plt.xlabel("Epoch")
plt.ylabel("Loss")

plt.subplot(1, 2, 2)
plt.plot(epochs, accuracies)
plt.xlabel("Epoch")
plt.ylabel("accuracy");
"""
