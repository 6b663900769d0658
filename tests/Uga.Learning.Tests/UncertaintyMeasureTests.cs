using Uga.Imaging;
using Uga.Inference;
using Uga.Inference.Uncertainty;
using Uga.Learning.Inference;

namespace Uga.Learning.Tests;

public class UncertaintyMeasureTests
{
    private static double Eval(string name, float[] p, int samples, int classes) =>
        UncertaintyMeasures.Get(name).Evaluate(p, samples, classes);

    // Two members, two classes: p1 = (0.9, 0.1), p2 = (0.5, 0.5) → p̄ = (0.7, 0.3).
    //   H(p̄)        = −(0.7·ln 0.7 + 0.3·ln 0.3) = 0.7·0.356675 + 0.3·1.203973 = 0.610864
    //   CE(p̄, p1)   = −(0.7·ln 0.9 + 0.3·ln 0.1) = 0.7·0.105361 + 0.3·2.302585 = 0.764528
    //   CE(p̄, p2)   = −(0.7 + 0.3)·ln 0.5 = ln 2 = 0.693147
    //   ensemble-ce = (0.764528 + 0.693147) / 2 = 0.728838
    //   H(p1) = −(0.9·ln 0.9 + 0.1·ln 0.1) = 0.094825 + 0.230259 = 0.325083; H(p2) = 0.693147
    //   MI = 0.610864 − (0.325083 + 0.693147)/2 = 0.101749
    //   variance: class 0 values 0.9, 0.5 around 0.7 → (0.2² + 0.2²)/2 = 0.04; class 1 the same → mean 0.04
    private static readonly float[] TwoMembers = [0.9f, 0.1f, 0.5f, 0.5f];

    [Theory]
    [InlineData("entropy", 0.610864)]
    [InlineData("ensemble-ce", 0.728838)]
    [InlineData("mutual-information", 0.101749)]
    [InlineData("variance", 0.04)]
    [InlineData("label-disagreement", 0.0)] // both members say class 0 (p2's tie goes to the lower class)
    public void HandComputedTwoMembers(string name, double expected) =>
        Assert.Equal(expected, Eval(name, TwoMembers, 2, 2), 5);

    // Confident members that disagree completely: p1 = (1, 0), p2 = (0, 1), p̄ = (0.5, 0.5).
    //   H(p̄) = ln 2 = 0.693147; each member's entropy is 0 (0·ln 0 = 0) → MI = ln 2
    //   CE(p̄, p1) = −(0.5·ln 1 + 0.5·ln ε) = −0.5·ln 1e-7 = 8.059048 (the epsilon clamp), same for p2
    //   variance: (0.5² + 0.5²)/2 = 0.25 for both classes
    [Theory]
    [InlineData("entropy", 0.693147)]
    [InlineData("ensemble-ce", 8.059048)]
    [InlineData("mutual-information", 0.693147)]
    [InlineData("variance", 0.25)]
    [InlineData("label-disagreement", 1.0)]
    public void HandComputedTotalDisagreementIsFiniteThroughTheClamp(string name, double expected) =>
        Assert.Equal(expected, Eval(name, [1f, 0f, 0f, 1f], 2, 2), 5);

    // Three classes, three members, one of them certain: p = (1,0,0), (0.5,0.5,0), (0.5,0,0.5); p̄ = (2/3, 1/6, 1/6).
    //   H(p̄) = (2/3)·ln 1.5 + 2·(1/6)·ln 6 = 0.270310 + 0.597253 = 0.867563
    //   member entropies 0, ln 2, ln 2 → mean 0.462098 → MI = 0.405465 (= ln 1.5 exactly: (2/3)ln 1.5 + (1/3)ln(6/4))
    //   variance class 0: (1/3)² + (1/6)² + (1/6)² over 3 = (0.111111 + 0.027778 + 0.027778)/3 = 0.055556
    //            class 1: (1/6)² + (1/3)² + (1/6)² over 3 = 0.055556, class 2 the same → mean 0.055556
    [Theory]
    [InlineData("entropy", 0.867563)]
    [InlineData("mutual-information", 0.4054651)]
    [InlineData("variance", 0.055556)]
    public void HandComputedThreeClasses(string name, double expected) =>
        Assert.Equal(expected, Eval(name, [1f, 0f, 0f, 0.5f, 0.5f, 0f, 0.5f, 0f, 0.5f], 3, 3), 5);

    // Labels 0, 1, 1 from three members: pairs (0,1) and (0,2) differ, (1,2) agree → 2/3.
    [Fact]
    public void LabelDisagreementIsTheShareOfMemberPairsThatDiffer() =>
        Assert.Equal(2.0 / 3, Eval("label-disagreement", [0.8f, 0.2f, 0.3f, 0.7f, 0.1f, 0.9f], 3, 2), 6);

    [Fact]
    public void EnsembleCrossEntropyIsEntropyPlusMeanKullbackLeiblerOnRandomInputs()
    {
        var random = new Random(1234);
        for (int trial = 0; trial < 500; trial++)
        {
            int samples = random.Next(1, 9), classes = random.Next(2, 6);
            var p = RandomDistributions(random, samples, classes);
            var mean = new double[classes];
            for (int s = 0; s < samples; s++)
                for (int c = 0; c < classes; c++) mean[c] += p[(s * classes) + c] / (double)samples;
            double kl = 0;
            for (int s = 0; s < samples; s++)
                kl += UncertaintyMeasures.KullbackLeibler(mean, p.AsSpan(s * classes, classes)) / samples;
            double expected = Eval("entropy", p, samples, classes) + kl;
            Assert.Equal(expected, Eval("ensemble-ce", p, samples, classes), 9);
            Assert.True(kl >= -1e-12, "KL divergence is non-negative");
            Assert.True(Eval("mutual-information", p, samples, classes) >= 0);
        }
    }

    [Fact]
    public void IdenticalMembersHaveNoDisagreement()
    {
        var random = new Random(7);
        for (int trial = 0; trial < 100; trial++)
        {
            int samples = random.Next(2, 6), classes = random.Next(2, 5);
            var one = RandomDistributions(random, 1, classes);
            var p = Enumerable.Repeat(one, samples).SelectMany(x => x).ToArray();
            Assert.Equal(0, Eval("mutual-information", p, samples, classes), 9);
            Assert.Equal(0, Eval("variance", p, samples, classes), 12);
            Assert.Equal(Eval("entropy", p, samples, classes), Eval("ensemble-ce", p, samples, classes), 9);
        }
    }

    [Fact]
    public void UnknownNameListsTheValidOnes()
    {
        var e = Assert.Throws<InvalidInputException>(() => UncertaintyMeasures.Get("bald"));
        Assert.Contains("'bald'", e.Message);
        foreach (var name in new[] { "ensemble-ce", "entropy", "mutual-information", "variance" })
            Assert.Contains(name, e.Message);
    }

    [Fact]
    public void MapEvaluatesEveryPixelOfAStack()
    {
        // 2 samples × 2 classes on a 2×1 image: pixel 0 is TwoMembers, pixel 1 has identical members.
        FloatMap Plane(float a, float b) => new(2, 1, [a, b]);
        var stack = new SampleProbabilities(2, 2, [Plane(0.9f, 0.3f), Plane(0.1f, 0.7f), Plane(0.5f, 0.3f), Plane(0.5f, 0.7f)]);
        var map = UncertaintyMeasures.Map(UncertaintyMeasures.Get("variance"), stack);
        Assert.Equal(0.04f, map[0, 0], 5);
        Assert.Equal(0f, map[1, 0], 6);
    }

    internal static float[] RandomDistributions(Random random, int samples, int classes)
    {
        var p = new float[samples * classes];
        for (int s = 0; s < samples; s++)
        {
            // Softmax of random logits: strictly positive, so the epsilon clamp never acts.
            var logits = Enumerable.Range(0, classes).Select(_ => (random.NextDouble() * 8) - 4).ToArray();
            double z = logits.Sum(Math.Exp);
            for (int c = 0; c < classes; c++) p[(s * classes) + c] = (float)(Math.Exp(logits[c]) / z);
        }
        return p;
    }
}
