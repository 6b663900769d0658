using Uga.Experiments.Demo;
using Uga.Imaging;
using Uga.Inference;
using Uga.Learning;

namespace Uga.Experiments.Reports;

/// <summary>Everything the demo report shows; built by <see cref="DemoRunner"/>.</summary>
public sealed record DemoReportInput(
    DemoOptions Options,
    IReadOnlyList<string> ClassNames,
    IReadOnlyList<DemoArm> Arms,
    DemoArm BaselineAtCentreA,
    IReadOnlyList<DemoStage> Stages,
    DemoDataset Data,
    IReadOnlyList<DemoSelection> Queues,
    IReadOnlyDictionary<string, List<SegmentationSample>> Annotated,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, LabelMap>> EvalPredictions,
    string HeadlineRankDir);
