using TorchSharp.Modules;
using Uga.Inference;
using static TorchSharp.torch;

namespace Uga.Learning.Inference;

/// <summary>
/// Monte-Carlo dropout (Gal and Ghahramani 2016): S stochastic passes of one network with only its dropout
/// layers in training mode. Batch/instance normalisation stays in eval mode, so the running statistics are used
/// and never updated; switching the whole network to train() would be wrong.
/// </summary>
public sealed class McDropoutSource : TorchSource, IStochasticSource
{
    private readonly nn.Module<Tensor, Tensor> model;
    private readonly List<nn.Module> dropouts;

    public McDropoutSource(nn.Module<Tensor, Tensor> model, int passes, Func<Tensor, Tensor> normalise)
        : base(normalise)
    {
        if (passes < 1) throw new Uga.Imaging.InvalidInputException(null, $"MC-dropout passes must be >= 1, got {passes}");
        this.model = model;
        SampleCount = passes;
        dropouts = [.. model.modules().Where(m => DropoutRate(m) is not null)];
    }

    public override string Name => "mc-dropout";
    public override int SampleCount { get; }

    /// <summary>Seeds torch's global generator, which draws the dropout masks.</summary>
    public void Reseed(long seed) => TorchSharp.torch.random.manual_seed(seed);

    /// <summary>True when the network has at least one dropout layer with p > 0.</summary>
    public bool HasActiveDropout => dropouts.Any(m => DropoutRate(m) > 0);

    public override Tensor Sample(Tensor input)
    {
        using var scope = NewDisposeScope();
        model.eval();
        foreach (var d in dropouts) d.train();
        try
        {
            var passes = new List<Tensor>(SampleCount);
            for (int s = 0; s < SampleCount; s++) passes.Add(TorchSources.Softmax(model.call(input)));
            return stack(passes, 1).MoveToOuterDisposeScope();
        }
        finally
        {
            model.eval();
        }
    }

    private static double? DropoutRate(nn.Module m) => m switch
    {
        Dropout d => d.p,
        Dropout1d d => d.p,
        Dropout2d d => d.p,
        Dropout3d d => d.p,
        AlphaDropout d => d.p,
        FeatureAlphaDropout d => d.p,
        _ => null,
    };
}
