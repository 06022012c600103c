using Spectre.Console;
using Spectre.Console.Rendering;

namespace Choria.Cli.Rendering;

/// <summary>Renders Spectre widgets into any TextWriter; colour and box characters only when asked for.</summary>
internal static class SpectreText
{
    public static void Write(TextWriter output, IRenderable widget, bool ansi)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = ansi ? AnsiSupport.Yes : AnsiSupport.No,
            ColorSystem = ansi ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Out = new AnsiConsoleOutput(output),
            Interactive = InteractionSupport.No,
        });
        console.Profile.Width = ansi && !Console.IsOutputRedirected ? Math.Max(Console.WindowWidth, 40) : 160;
        console.Write(widget);
    }
}
