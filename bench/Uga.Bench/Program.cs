using System.Reflection;
using BenchmarkDotNet.Running;
using Uga.Bench;

// `uga-bench NAME [options]` runs one of the console benchmarks (classes implementing IConsoleBench, found by
// reflection, so adding a benchmark is adding a file); anything else goes to BenchmarkDotNet's switcher.
var benches = typeof(IConsoleBench).Assembly.GetTypes()
    .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(IConsoleBench).IsAssignableFrom(t))
    .Select(t => (IConsoleBench)Activator.CreateInstance(t)!)
    .OrderBy(b => b.Name, StringComparer.Ordinal)
    .ToList();
if (args.Length > 0 && benches.FirstOrDefault(b => b.Name == args[0]) is { } bench)
    return bench.Run(args[1..]);
if (args.Length == 0 || args[0] is "-h" or "--help" or "list")
{
    Console.WriteLine("usage: uga-bench NAME [options]   (or BenchmarkDotNet arguments, e.g. --filter '*')");
    foreach (var b in benches) Console.WriteLine($"  {b.Name,-20} {b.Description}");
    return 0;
}
BenchmarkSwitcher.FromAssembly(Assembly.GetExecutingAssembly()).Run(args);
return 0;
