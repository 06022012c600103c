using Choria.Fuzz;
using SharpFuzz;

// choria-fuzz list                          targets, one per line
// choria-fuzz seeds TARGET FIXTURES DIR     writes TARGET's seed corpus from the fixtures folder into DIR
// choria-fuzz run TARGET                    the afl-fuzz entry point (bench/fuzz.sh starts it)
// choria-fuzz replay TARGET FILE|DIR...     runs inputs once each, in process; exit 1 on the first failure
if (args.Length == 0)
{
    Console.Error.WriteLine("usage: choria-fuzz list | seeds TARGET FIXTURES DIR | run TARGET | replay TARGET FILE|DIR...");
    return 2;
}

if (args[0] == "list")
{
    foreach (var t in FuzzTargets.All)
    {
        Console.WriteLine($"{t.Name}\t{t.Description}");
    }

    return 0;
}

if (args.Length < 2 || FuzzTargets.Find(args[1]) is not { } target)
{
    Console.Error.WriteLine($"choria-fuzz: unknown target '{(args.Length > 1 ? args[1] : "")}'; choria-fuzz list shows them");
    return 2;
}

switch (args[0])
{
    case "seeds" when args.Length == 4:
        var written = 0;
        foreach (var (name, content) in FuzzSeeds.For(target, args[2]))
        {
            File.WriteAllBytes(Path.Combine(args[3], name), content);
            written++;
        }

        Console.WriteLine($"{target.Name}: {written} seeds");
        return written > 0 ? 0 : 1;

    case "run":
        // Out of process: a stack overflow or a runtime abort in the target is reported as a crash and the
        // fuzzer carries on, instead of taking the fork server down.
        Fuzzer.OutOfProcess.Run(stream =>
        {
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            target.Run(buffer.ToArray());
        });
        return 0;

    case "replay":
        foreach (var file in args.Skip(2).SelectMany(p => Directory.Exists(p) ? Directory.GetFiles(p).Order(StringComparer.Ordinal).ToArray() : [p]))
        {
            try
            {
                target.Run(File.ReadAllBytes(file));
            }
            catch (Exception e)
            {
                Console.Error.WriteLine($"{target.Name}: {file}: {e}");
                return 1;
            }
        }

        return 0;

    default:
        Console.Error.WriteLine($"choria-fuzz: unknown command '{args[0]}'");
        return 2;
}
