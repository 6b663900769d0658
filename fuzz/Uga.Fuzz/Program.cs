using SharpFuzz;
using Uga.Fuzz;

// uga-fuzz TARGET                     run under afl-fuzz (input on stdin, SharpFuzz's fork server)
// uga-fuzz seeds TARGET DIR [DATA]    write the target's seed corpus (from generated files and ../shared/data)
// uga-fuzz replay TARGET FILE...      run inputs without AFL and say what each did (crash triage, regressions)
// uga-fuzz corpus DIR [DATA]          write the corrupt-file corpus and the uga command each file must fail
if (args.Length >= 1 && FuzzTargets.Names.Contains(args[0]))
{
    string target = args[0];
    string scratch = Path.Combine(Path.GetTempPath(), $"uga-fuzz-{target}-{Environment.ProcessId}");
    Fuzzer.OutOfProcess.Run(stream =>
    {
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        FuzzTargets.Run(target, buffer.ToArray(), scratch);
    });
    return 0;
}
if (args.Length >= 3 && args[0] == "seeds")
{
    int written = SeedCorpus.Write(args[1], args[2], args.Length > 3 ? args[3] : null);
    Console.WriteLine($"{args[1]}: {written} seeds in {args[2]}");
    return 0;
}
if (args.Length >= 2 && args[0] == "corpus")
{
    foreach (var c in CorruptCorpus.Write(args[1], args.Length > 2 ? args[2] : null))
        Console.WriteLine($"{c.Name}\t{c.Breakage}\tuga {string.Join(' ', c.Command)}");
    return 0;
}
if (args.Length >= 3 && args[0] == "replay")
{
    string scratch = Path.Combine(Path.GetTempPath(), $"uga-fuzz-replay-{Environment.ProcessId}");
    try
    {
        foreach (var file in args.Skip(2))
            Console.WriteLine($"{file}: {(FuzzTargets.Run(args[1], File.ReadAllBytes(file), scratch) ? "parsed" : "refused")}");
    }
    finally
    {
        if (Directory.Exists(scratch)) Directory.Delete(scratch, recursive: true);
    }
    return 0;
}
Console.Error.WriteLine($"usage: uga-fuzz TARGET | seeds TARGET DIR [DATA] | replay TARGET FILE... | corpus DIR [DATA]; targets: {string.Join(", ", FuzzTargets.Names)}");
return 2;
