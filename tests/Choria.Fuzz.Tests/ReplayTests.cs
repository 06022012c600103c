namespace Choria.Fuzz.Tests;

/// <summary>
/// Replays, without afl-fuzz, what the fuzzers start from and what they found: every seed of every target, and every
/// input under tests/fixtures/fuzz/TARGET (a finding, kept as a regression once fixed). A target throws only on what
/// must never happen, so each replay is a plain pass/fail.
/// </summary>
public class ReplayTests
{
    public static TheoryData<string> Targets() => [.. FuzzTargets.All.Select(t => t.Name)];

    [Theory]
    [MemberData(nameof(Targets))]
    public void Every_seed_passes(string name)
    {
        var target = FuzzTargets.Find(name)!;
        var seeds = FuzzSeeds.For(target, TestPaths.FixturesRoot).ToList();

        Assert.NotEmpty(seeds);
        foreach (var (seed, content) in seeds)
        {
            Replay(target, seed, content);
        }
    }

    public static TheoryData<string, string> Findings()
    {
        var data = new TheoryData<string, string>();
        foreach (var dir in Directory.GetDirectories(TestPaths.Fixture("fuzz")).Order(StringComparer.Ordinal))
        {
            foreach (var file in Directory.GetFiles(dir).Order(StringComparer.Ordinal))
            {
                data.Add(Path.GetFileName(dir), Path.GetFileName(file));
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Findings))]
    public void Fixed_finding_stays_fixed(string name, string file)
    {
        var target = FuzzTargets.Find(name);
        Assert.True(target is not null, $"tests/fixtures/fuzz/{name} is not a fuzz target");
        Replay(target, file, File.ReadAllBytes(TestPaths.Fixture("fuzz", name, file)));
    }

    private static void Replay(FuzzTarget target, string input, byte[] content)
    {
        try
        {
            target.Run(content);
        }
        catch (Exception e)
        {
            Assert.Fail($"{target.Name}: input {input} ({content.Length} bytes): {e}");
        }
    }
}
