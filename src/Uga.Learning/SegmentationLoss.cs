using TorchSharp;
using Uga.Imaging;
using Uga.Inference;
using static TorchSharp.torch;

namespace Uga.Learning;

/// <summary>
/// Cross-entropy plus soft Dice (1 − mean over classes of the batch's soft Dice), the usual pairing for
/// segmentation with unbalanced classes: cross-entropy gives well-behaved per-pixel gradients, Dice keeps small
/// structures such as nuclei from being swamped by background. Pixels labelled <see cref="LabelMap.Ignore"/>
/// contribute nothing to either term (and so get zero gradient).
/// </summary>
public static class SegmentationLoss
{
    /// <summary>Added to numerator and denominator so classes absent from a batch give finite, gentle gradients.</summary>
    public const double DiceSmoothing = 1.0;

    /// <summary>Scalar loss of logits N×C×H×W against int64 targets N×H×W (class index or 255).</summary>
    public static Tensor Compute(Tensor logits, Tensor target)
    {
        using var scope = NewDisposeScope();
        // Scalars are held in usings, never temporaries: see AdamW for the TorchSharp race this avoids.
        using Scalar ignore = (long)LabelMap.Ignore, one = 1;
        var valid = target.ne(ignore);
        var validCount = valid.sum();
        // cross_entropy's mean divides by the number of non-ignored pixels; when there are none it is 0/0.
        var ce = nn.functional.cross_entropy(logits, target, ignore_index: LabelMap.Ignore, reduction: nn.Reduction.Sum)
                 .div(validCount.clamp_min(one));
        return ce.add_(SoftDiceLoss(logits, target, valid), one).MoveToOuterDisposeScope();
    }

    /// <summary>1 − mean over classes of (2Σpg + s) / (Σp + Σg + s), sums over valid pixels of the whole batch.</summary>
    public static Tensor SoftDiceLoss(Tensor logits, Tensor target, Tensor valid)
    {
        using var scope = NewDisposeScope();
        using Scalar two = 2.0, one = 1.0, smoothing = DiceSmoothing;
        long classes = logits.shape[1];
        var mask = valid.unsqueeze(1).to_type(logits.dtype);
        var probabilities = nn.functional.softmax(logits, 1).mul(mask);
        var safeTarget = where(valid, target, zeros_like(target));
        var truth = nn.functional.one_hot(safeTarget, classes).permute(0, 3, 1, 2).to_type(logits.dtype).mul(mask);
        long[] dims = [0, 2, 3];
        var intersection = probabilities.mul(truth).sum(dims);
        var denominator = probabilities.sum(dims).add_(truth.sum(dims), one).add_(smoothing, one);
        var dice = intersection.mul(two).add_(smoothing, one).div_(denominator);
        return dice.mean().neg().add_(one, one).MoveToOuterDisposeScope();
    }
}
