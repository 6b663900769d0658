using TorchSharp;
using Uga.Imaging;
using Uga.Inference;
using static TorchSharp.torch;

namespace Uga.Learning;

/// <summary>The optimisation loop of one ensemble member: sample a batch, forward, loss, backward, AdamW step.</summary>
internal sealed class MemberTraining
{
    private readonly ModelManifest manifest;
    private readonly TrainingOptions options;
    private readonly PatchSampler sampler;
    private readonly string stage;

    public MemberTraining(ModelManifest manifest, IReadOnlyList<SegmentationSample> samples, TrainingOptions options,
        int seed, UNet? warmStart, string stage)
    {
        this.manifest = manifest;
        this.options = options;
        this.stage = stage;
        // Seeding before construction makes the initial weights (and later dropout masks) a function of the seed.
        torch.manual_seed(seed);
        Network = new UNet(UNetOptions.Of(manifest));
        if (warmStart is not null) Network.load_state_dict(warmStart.state_dict());
        sampler = new PatchSampler(samples, options.PatchSize, manifest.ClassCount, options.ClassBalanced,
            options.Augmentation, new Random(seed));
    }

    public UNet Network { get; }

    /// <summary>Trains for the configured steps; returns the mean loss over the last tenth of them.</summary>
    public double Run(IProgress<WorkProgress>? progress, CancellationToken cancel)
    {
        int steps = options.Steps, warmup = options.EffectiveWarmupSteps;
        var losses = new double[steps];
        using var mean = tensor(manifest.InputMean, [1, 3, 1, 1]);
        using var std = tensor(manifest.InputStd, [1, 3, 1, 1]);
        var (trainable, frozen) = TrainableSelection.Apply(Network, options.Trainable);
        using var restore = frozen;
        using var optimizer = new AdamW(trainable, options.WeightDecay);
        using var counters = BatchNormCounters.Detach(Network);
        Network.train();
        for (int step = 0; step < steps; step++)
        {
            cancel.ThrowIfCancellationRequested();
            double rate = LearningRateSchedule.At(step, steps, warmup, options.LearningRate, options.FinalLearningRateFraction);
            optimizer.LearningRate = rate;
            using (var scope = NewDisposeScope())
            {
                var (input, target) = NextBatch(mean, std);
                optimizer.ZeroGrad();
                var loss = SegmentationLoss.Compute(Network.call(input), target);
                counters.Seen();
                loss.backward();
                optimizer.Step();
                losses[step] = loss.item<float>();
            }
            if (!double.IsFinite(losses[step]))
                throw new InvalidOperationException($"{stage}: loss became {losses[step]} at step {step + 1}; lower the learning rate");
            int window = Math.Min(step + 1, 20);
            progress?.Report(new WorkProgress(stage, step + 1, steps,
                FormattableString.Invariant($"loss {losses.AsSpan(step + 1 - window, window).ToArray().Average():F4} lr {rate:0.###e0}")));
        }
        Network.eval();
        int tail = Math.Max(1, steps / 10);
        return losses[^tail..].Average();
    }

    private (Tensor Input, Tensor Target) NextBatch(Tensor mean, Tensor std)
    {
        int p = options.PatchSize, batch = options.BatchSize, pixels = p * p;
        var rgb = new byte[batch * pixels * 3];
        var labels = new long[batch * pixels];
        for (int b = 0; b < batch; b++)
        {
            var (image, patchLabels) = sampler.Next();
            image.Data.CopyTo(rgb, b * pixels * 3);
            for (int i = 0; i < pixels; i++) labels[(b * pixels) + i] = patchLabels.Data[i];
        }
        var input = InputTensor.Normalise(tensor(rgb, [batch, p, p, 3]), mean, std);
        return (InputTensor.ChannelsLast(input), tensor(labels, [batch, p, p]));
    }
}

/// <summary>The single definition of how RGB pixels become network input (shared by training and <see cref="Ensemble"/>).</summary>
internal static class InputTensor
{
    /// <summary>uint8 or float-in-[0,1] N×H×W×3 or N×3×H×W → standardised float32 N×3×H×W.</summary>
    public static Tensor Normalise(Tensor rgb, Tensor mean, Tensor std)
    {
        using var scope = NewDisposeScope();
        var x = rgb.shape[3] == 3 ? rgb.permute(0, 3, 1, 2) : rgb.alias();
        if (x.shape[1] != 3)
            throw new ArgumentException($"expected 3 colour channels first or last, got [{string.Join(", ", rgb.shape)}]", nameof(rgb));
        using Scalar byteRange = 255f;   // held, not a temporary: see AdamW for why
        x = x.dtype == ScalarType.Byte ? x.to_type(ScalarType.Float32).div_(byteRange) : x.to_type(ScalarType.Float32);
        return ((x - mean) / std).contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The same N×C×H×W tensor laid out channels-last (NHWC strides), which every layer after it keeps. Why: in the
    /// default layout oneDNN 3.7 (libtorch 2.10) pads channel counts below its vector width (8 on AVX2, 16 on AVX-512)
    /// and its convolution backward reads that padding from uninitialised memory; when the allocator hands back
    /// memory that held a NaN, 0 × NaN poisons the gradients and training stops at step 2 or 3 (seen on AMD EPYC with
    /// AVX-512, on 1 to 3 of 5 tiny trainings per run). Channels-last needs no padding, and a default-size step is
    /// faster in it, not slower (docs/benchmarks.md).
    /// </summary>
    internal static Tensor ChannelsLast(Tensor nchw)
    {
        using var nhwc = nchw.permute(0, 2, 3, 1).contiguous();
        return nhwc.permute(0, 3, 1, 2);
    }
}
