using TorchSharp;
using static TorchSharp.torch;

namespace Uga.Learning;

/// <summary>
/// AdamW (Loshchilov &amp; Hutter 2019: Adam with decoupled weight decay), the same update as torch.optim.AdamW
/// without amsgrad. Ours rather than TorchSharp's because TorchSharp turns every number in an update into a
/// temporary native Scalar that nothing keeps alive during the native call; a garbage collection on another thread
/// can finalize it mid-call, and libtorch then reads freed memory ("Unknown scalar type", seen in CI under load;
/// TorchSharp PRs #1434/#1496 are open). Here each Scalar lives in a <c>using</c> until the step is done.
/// </summary>
internal sealed class AdamW : IDisposable
{
    private const double Beta1 = 0.9, Beta2 = 0.999, Epsilon = 1e-8;
    private readonly Tensor[] parameters;
    private readonly Tensor[] firstMoments;
    private readonly Tensor[] secondMoments;
    private readonly double weightDecay;
    private long steps;

    public AdamW(IEnumerable<Tensor> parameters, double weightDecay)
    {
        this.parameters = [.. parameters];
        this.weightDecay = weightDecay;
        firstMoments = [.. this.parameters.Select(p => zeros_like(p).DetachFromDisposeScope())];
        secondMoments = [.. this.parameters.Select(p => zeros_like(p).DetachFromDisposeScope())];
    }

    /// <summary>The rate of the next <see cref="Step"/> (the schedule sets it before each step).</summary>
    public double LearningRate { get; set; }

    public void ZeroGrad()
    {
        using var scope = NewDisposeScope();
        foreach (var p in parameters) p.grad?.zero_();
    }

    public void Step()
    {
        steps++;
        double rate = LearningRate;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using Scalar decay = 1 - (rate * weightDecay), beta1 = Beta1, beta2 = Beta2;
        using Scalar keep1 = 1 - Beta1, keep2 = 1 - Beta2, epsilon = Epsilon, one = 1;
        using Scalar correction2 = Math.Sqrt(1 - Math.Pow(Beta2, steps));
        using Scalar stepSize = -rate / (1 - Math.Pow(Beta1, steps));
        for (int i = 0; i < parameters.Length; i++)
        {
            var grad = parameters[i].grad;
            if (grad is null) continue;
            parameters[i].mul_(decay);
            firstMoments[i].mul_(beta1).add_(grad, keep1);
            secondMoments[i].mul_(beta2).addcmul_(grad, grad, keep2);
            var denominator = secondMoments[i].sqrt().div_(correction2).add_(epsilon, one);
            parameters[i].addcdiv_(firstMoments[i], denominator, stepSize);
        }
    }

    public void Dispose()
    {
        foreach (var t in firstMoments.Concat(secondMoments)) t.Dispose();
    }
}
