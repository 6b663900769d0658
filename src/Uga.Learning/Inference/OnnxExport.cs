using TorchSharp.Modules;
using Uga.Imaging;
using Uga.Inference;
using Uga.Onnx;
using static TorchSharp.torch;

namespace Uga.Learning.Inference;

/// <summary>
/// Writes a Uga ensemble as an ONNX model folder (one .onnx per member, manifest with backend onnx and logits
/// output), so ONNX Runtime — or any other ONNX consumer — runs Uga's U-Nets. Our own exporter for our one
/// architecture: conv → BatchNorm pairs are folded into one convolution (BN in eval mode is an affine map per
/// channel), instance norm becomes InstanceNormalization, dropout (inactive at inference) is left out. Input is the
/// standardised N×3×H×W image with H and W free; output the logits N×C×H×W.
/// </summary>
public static class OnnxExport
{
    public const int Opset = 17;

    /// <param name="calibration">RGB tiles (N×P×P×3 bytes, P the patch size) to calibrate an int8 export on; null = float32.</param>
    public static void Write(Ensemble ensemble, string outDir, (byte[] Tiles, int Count)? calibration = null)
    {
        var m = ensemble.Manifest;
        var files = Enumerable.Range(0, m.Members).Select(i => $"member-{i}.onnx").ToList();
        var manifest = m with { Backend = ModelManifest.OnnxBackend, Output = "logits", MemberFiles = files };
        manifest.Validate(ModelManifest.FileName);
        AtomicFile.WriteDirectory(outDir, tmp =>
        {
            for (int i = 0; i < m.Members; i++)
            {
                var name = $"uga member {i}";
                var bytes = calibration is { } c ? Int8Graph(ensemble.Members[i], manifest, name, c.Tiles, c.Count) : Graph(ensemble.Members[i], m.ClassCount, name);
                File.WriteAllBytes(Path.Combine(tmp, files[i]), bytes);
            }
            File.WriteAllText(Path.Combine(tmp, ModelManifest.FileName), manifest.ToJson());
        });
    }

    /// <summary>
    /// One member with int8 3×3 convolutions: the float graph with every convolution's input and output exposed is
    /// run over the calibration tiles, and their minimum and maximum set each activation's quantisation.
    /// </summary>
    public static byte[] Int8Graph(UNet net, ModelManifest onnxManifest, string name, byte[] tiles, int count)
    {
        var probe = Graph(net, onnxManifest.ClassCount, name, probe: true);
        var probes = OnnxCalibration.Ranges(probe, onnxManifest, tiles, count, OnnxConvWriter.ProbePrefix);
        return Graph(net, onnxManifest.ClassCount, name, int8: OnnxConvWriter.Ranges(probes));
    }

    /// <summary>
    /// The largest absolute difference between the probabilities of <paramref name="a"/> and <paramref name="b"/>
    /// on <paramref name="count"/> RGB tiles of the model's patch size (every member, class and pixel).
    /// </summary>
    public static double MaxDifference(IEnsembleModel a, IEnsembleModel b, byte[] tiles, int count)
    {
        int patch = a.Manifest.PatchSize;
        var pa = a.CreateSource(SampleSourceKind.Ensemble).Sample(tiles, count, patch);
        var pb = b.CreateSource(SampleSourceKind.Ensemble).Sample(tiles, count, patch);
        if (pa.Length != pb.Length) throw new InvalidOperationException($"{pa.Length} vs {pb.Length} probabilities");
        double max = 0;
        for (int i = 0; i < pa.Length; i++) max = Math.Max(max, Math.Abs(pa[i] - pb[i]));
        return max;
    }

    /// <summary>
    /// One member as a serialised ONNX ModelProto: float32; with <paramref name="probe"/> every 3×3 convolution's
    /// input and output are graph outputs too (for calibration); with <paramref name="int8"/> those convolutions are
    /// int8 QDQ (<see cref="OnnxConvWriter"/>).
    /// </summary>
    public static byte[] Graph(UNet net, int classes, string name, bool probe = false, Int8Ranges? int8 = null)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var graph = new OnnxGraph(name);
        var weights = new Weights(graph);
        var convs = new OnnxConvWriter(graph, probe, int8);
        var (x, skips) = Encoder(graph, weights, convs, net);
        var (_, _, upsamplers, decoders, head) = net.Parts();
        for (int i = 0; i < decoders.Count; i++)
        {
            var up = (ConvTranspose2d)upsamplers[i];
            x = graph.Node("ConvTranspose", [x, weights.Add(up.weight!), weights.Add(up.bias!)],
                OnnxAttr.Of("kernel_shape", 2L, 2L), OnnxAttr.Of("strides", 2L, 2L));
            x = graph.Node("Concat", [skips[^(i + 1)], x], OnnxAttr.Of("axis", 1L));
            x = Block(graph, weights, convs, decoders[i], x);
        }
        var last = (Conv2d)head;
        x = graph.Node("Conv", [x, weights.Add(last.weight!), weights.Add(last.bias!)], OnnxAttr.Of("kernel_shape", 1L, 1L));
        graph.Output(x, "logits", "N", classes.ToString(System.Globalization.CultureInfo.InvariantCulture), "H", "W");
        return Serialise(graph);
    }

    /// <summary>
    /// One member's encoder as a serialised ONNX ModelProto whose output "embedding" (N×D) is the bottleneck's
    /// features averaged over H and W: what <see cref="PatchEmbedder"/> pools, run by ONNX Runtime.
    /// </summary>
    public static byte[] EncoderGraph(UNet net, string name)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var graph = new OnnxGraph(name);
        var (x, _) = Encoder(graph, new Weights(graph), new OnnxConvWriter(graph, false, null), net);
        x = graph.Node("ReduceMean", [x], OnnxAttr.Of("axes", 2L, 3L), OnnxAttr.Of("keepdims", 0L));
        graph.Output(x, "embedding", "N", "D");
        return Serialise(graph);
    }

    // The ModelProto bytes, with Uga's version as the producer's.
    private static byte[] Serialise(OnnxGraph graph) =>
        graph.ToModel("uga", typeof(OnnxExport).Assembly.GetName().Version?.ToString() ?? "0", Opset);

    // The input, the encoder blocks with their max-pools and the bottleneck: the bottleneck's output and the skips.
    private static (string X, List<string> Skips) Encoder(OnnxGraph graph, Weights weights, OnnxConvWriter convs, UNet net)
    {
        graph.Input("image", "N", "3", "H", "W");
        var (encoders, bottleneck, _, _, _) = net.Parts();
        string x = "image";
        var skips = new List<string>();
        foreach (var encoder in encoders)
        {
            x = Block(graph, weights, convs, encoder, x);
            skips.Add(x);
            x = graph.Node("MaxPool", [x], OnnxAttr.Of("kernel_shape", 2L, 2L), OnnxAttr.Of("strides", 2L, 2L));
        }
        return (Block(graph, weights, convs, bottleneck, x), skips);
    }

    // conv (→ BN folded in) → instance norm → ReLU, as the Sequential lists them; dropout is the identity at inference.
    private static string Block(OnnxGraph graph, Weights weights, OnnxConvWriter convs, nn.Module<Tensor, Tensor> block, string x)
    {
        var layers = block.children().ToList();
        for (int i = 0; i < layers.Count; i++)
        {
            switch (layers[i])
            {
                case Conv2d conv:
                    var bn = i + 1 < layers.Count ? layers[i + 1] as BatchNorm2d : null;
                    var (w, b) = bn is null ? (conv.weight!, conv.bias) : BatchNormFolding.Folded(conv, bn);
                    x = convs.Conv(x, w, b, weights.Add, OnnxAttr.Of("kernel_shape", 3L, 3L), OnnxAttr.Of("pads", 1L, 1L, 1L, 1L));
                    if (bn is not null) i++;
                    break;
                case InstanceNorm2d norm:
                    x = graph.Node("InstanceNormalization", [x, weights.Add(norm.weight!), weights.Add(norm.bias!)],
                        OnnxAttr.Of("epsilon", (float)norm.eps));
                    break;
                case ReLU:
                    x = graph.Node("Relu", [x]);
                    break;
                case Dropout2d:
                    break;
                default:
                    throw new NotSupportedException($"no ONNX export for {layers[i].GetType().Name}");
            }
        }
        return x;
    }

    /// <summary>Names and stores every weight tensor once, in graph order.</summary>
    private sealed class Weights(OnnxGraph graph)
    {
        private int count;

        public string Add(Tensor t)
        {
            var values = t.detach().contiguous().to_type(ScalarType.Float32).data<float>().ToArray();
            return graph.Initializer($"w{count++}", t.shape, values);
        }
    }
}
