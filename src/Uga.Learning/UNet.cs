using TorchSharp;
using TorchSharp.Modules;
using Uga.Imaging;
using Uga.Inference;
using static TorchSharp.torch;

namespace Uga.Learning;

/// <summary>Shape of a <see cref="UNet"/>. Validated on construction of the network.</summary>
public sealed record UNetOptions
{
    public static IReadOnlyList<string> Normalisations => ModelManifest.Normalisations;

    /// <summary>The architecture a model folder's manifest describes.</summary>
    public static UNetOptions Of(ModelManifest m) => new()
    {
        Classes = m.ClassCount,
        Depth = m.Depth,
        BaseChannels = m.BaseChannels,
        Normalisation = m.Normalisation,
        Dropout = m.Dropout,
    };

    public int InChannels { get; init; } = 3;
    public int Classes { get; init; } = 2;

    /// <summary>Number of 2x down-sampling steps; input height and width must be divisible by 2^Depth.</summary>
    public int Depth { get; init; } = 4;

    /// <summary>Channels of the first level; each deeper level doubles them.</summary>
    public int BaseChannels { get; init; } = 16;

    /// <summary>"batch", "instance" or "none".</summary>
    public string Normalisation { get; init; } = "batch";

    /// <summary>Channel dropout probability after the bottleneck and each decoder block (0 = off).</summary>
    public double Dropout { get; init; }

    public void Validate()
    {
        if (InChannels < 1) throw new InvalidInputException(null, $"input channels must be >= 1, got {InChannels}");
        if (Classes is < 2 or > LabelMap.Ignore) throw new InvalidInputException(null, $"classes must be 2..{LabelMap.Ignore}, got {Classes}");
        if (Depth is < 1 or > 8) throw new InvalidInputException(null, $"depth must be 1..8, got {Depth}");
        if (BaseChannels is < 1 or > 1024) throw new InvalidInputException(null, $"base channels must be 1..1024, got {BaseChannels}");
        if (!Normalisations.Contains(Normalisation))
            throw new InvalidInputException(null, $"normalisation must be batch, instance or none, got '{Normalisation}'");
        if (Dropout is < 0 or >= 1) throw new InvalidInputException(null, $"dropout must be in [0, 1), got {Dropout}");
    }
}

/// <summary>
/// 2-D U-Net (Ronneberger et al. 2015) with same-padding convolutions. Input N×InChannels×H×W float32 (already
/// normalised, see <see cref="Ensemble.Normalise(Tensor)"/>), output logits N×Classes×H×W; H and W must be
/// divisible by 2^Depth.
/// </summary>
public sealed class UNet : nn.Module<Tensor, Tensor>
{
    /// <summary>Parameter-name prefix of the first encoder block (the field name RegisterComponents uses).</summary>
    internal const string FirstEncoderPrefix = nameof(encoders) + ".0.";

    private readonly ModuleList<nn.Module<Tensor, Tensor>> encoders = new();
    private readonly ModuleList<nn.Module<Tensor, Tensor>> upsamplers = new();
    private readonly ModuleList<nn.Module<Tensor, Tensor>> decoders = new();
    private readonly nn.Module<Tensor, Tensor> bottleneck;
    private readonly nn.Module<Tensor, Tensor> head;
    private readonly nn.Module<Tensor, Tensor> pool;

    // Every convolution Uga runs goes through a UNet, so the process's libtorch is set up here, once.
    static UNet() => _ = TorchRuntime.EnsureNnpackOff();

    public UNet(UNetOptions options) : base(nameof(UNet))
    {
        options.Validate();
        Options = options;
        long Channels(int level) => (long)options.BaseChannels << level;

        long inChannels = options.InChannels;
        for (int level = 0; level < options.Depth; level++)
        {
            encoders.Add(Block(inChannels, Channels(level), options, dropout: false));
            inChannels = Channels(level);
        }
        bottleneck = Block(inChannels, Channels(options.Depth), options, dropout: true);
        for (int level = options.Depth - 1; level >= 0; level--)
        {
            upsamplers.Add(nn.ConvTranspose2d(Channels(level + 1), Channels(level), 2, stride: 2));
            decoders.Add(Block(2 * Channels(level), Channels(level), options, dropout: true));
        }
        head = nn.Conv2d(Channels(0), options.Classes, 1);
        pool = nn.MaxPool2d(2);
        RegisterComponents();
    }

    public UNetOptions Options { get; }

    /// <summary>The blocks in data-flow order, for writers of the graph elsewhere (the ONNX exporter).</summary>
    internal (IReadOnlyList<nn.Module<Tensor, Tensor>> Encoders, nn.Module<Tensor, Tensor> Bottleneck,
        IReadOnlyList<nn.Module<Tensor, Tensor>> Upsamplers, IReadOnlyList<nn.Module<Tensor, Tensor>> Decoders,
        nn.Module<Tensor, Tensor> Head) Parts() => ([.. encoders], bottleneck, [.. upsamplers], [.. decoders], head);

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var (x, skips) = EncodeWithSkips(input);
        for (int i = 0; i < decoders.Count; i++)
        {
            x = upsamplers[i].call(x);
            x = decoders[i].call(cat([skips[^(i + 1)], x], 1));
        }
        return head.call(x).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The bottleneck's output N×(BaseChannels·2^Depth)×(H/2^Depth)×(W/2^Depth): the most abstract features, which
    /// the embedding strategies pool into one vector per patch. Same input rules as <see cref="forward"/>. The
    /// embedding pass runs its ONNX export (<see cref="Inference.OnnxExport.EncoderGraph"/>); this is the reference.
    /// </summary>
    public Tensor Encode(Tensor input)
    {
        using var scope = NewDisposeScope();
        return EncodeWithSkips(input).Bottleneck.MoveToOuterDisposeScope();
    }

    private (Tensor Bottleneck, List<Tensor> Skips) EncodeWithSkips(Tensor input)
    {
        int factor = 1 << Options.Depth;
        if (input.dim() != 4 || input.shape[1] != Options.InChannels || input.shape[2] % factor != 0 || input.shape[3] % factor != 0)
            throw new ArgumentException(
                $"UNet expects N×{Options.InChannels}×H×W with H, W divisible by {factor}; got [{string.Join(", ", input.shape)}]",
                nameof(input));
        var skips = new List<Tensor>(Options.Depth);
        var x = input;
        foreach (var encoder in encoders)
        {
            x = encoder.call(x);
            skips.Add(x);
            x = pool.call(x);
        }
        return (bottleneck.call(x), skips);
    }

    // conv3x3 → norm → ReLU, twice; the bias is dropped when a norm layer follows (it would be cancelled).
    private static nn.Module<Tensor, Tensor> Block(long inChannels, long outChannels, UNetOptions options, bool dropout)
    {
        var layers = new List<nn.Module<Tensor, Tensor>>();
        bool norm = options.Normalisation != "none";
        for (int i = 0; i < 2; i++)
        {
            layers.Add(nn.Conv2d(i == 0 ? inChannels : outChannels, outChannels, 3, padding: 1, bias: !norm));
            if (options.Normalisation == "batch") layers.Add(nn.BatchNorm2d(outChannels));
            else if (options.Normalisation == "instance") layers.Add(nn.InstanceNorm2d(outChannels, affine: true));
            layers.Add(nn.ReLU());
        }
        if (dropout && options.Dropout > 0) layers.Add(nn.Dropout2d(options.Dropout));
        return nn.Sequential(layers);
    }
}
