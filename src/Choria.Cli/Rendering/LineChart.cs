using System.Globalization;
using System.Text;

namespace Choria.Cli.Rendering;

/// <summary>
/// A terminal line chart in the style of the asciigraph package Go's <c>choria ping --graph</c> uses
/// (box drawing characters, a labelled y axis, caption underneath), so the output looks the same.
/// Plain text: safe to pipe, nothing to colour.
/// </summary>
internal static class LineChart
{
    public static string Plot(IReadOnlyList<double> data, int height, int width, int offset, string caption)
    {
        if (data.Count == 0)
        {
            return caption;
        }

        var series = width > 0 ? Interpolate(data, width) : [.. data];
        var min = series.Min();
        var max = series.Max();
        var interval = max - min;
        var ratio = interval == 0 ? 1 : height / interval;
        var min2 = (int)Math.Round(min * ratio, MidpointRounding.AwayFromZero);
        var max2 = (int)Math.Round(max * ratio, MidpointRounding.AwayFromZero);
        var rows = Math.Max(max2 - min2, 0);

        var labels = new string[rows + 1];
        for (var y = 0; y <= rows; y++)
        {
            var magnitude = rows == 0 ? max : max - (y * interval / rows);
            labels[y] = magnitude.ToString("0.00", CultureInfo.InvariantCulture);
        }

        var labelWidth = labels.Max(l => l.Length);
        var plotWidth = series.Length + offset;
        var grid = new char[rows + 1][];
        for (var r = 0; r <= rows; r++)
        {
            grid[r] = Enumerable.Repeat(' ', plotWidth).ToArray();
            grid[r][offset - 1] = '┤';
        }

        int Row(double v) => rows - ((int)Math.Round(v * ratio, MidpointRounding.AwayFromZero) - min2);

        grid[Row(series[0])][offset - 1] = '┼';
        for (var x = 0; x < series.Length - 1; x++)
        {
            var r0 = Row(series[x]);
            var r1 = Row(series[x + 1]);
            var col = x + offset;
            if (r0 == r1)
            {
                grid[r0][col] = '─';
                continue;
            }

            // Rows count downwards: r1 < r0 means the line rises.
            grid[r0][col] = r1 < r0 ? '╯' : '╮';
            grid[r1][col] = r1 < r0 ? '╭' : '╰';
            for (var r = Math.Min(r0, r1) + 1; r < Math.Max(r0, r1); r++)
            {
                grid[r][col] = '│';
            }
        }

        var text = new StringBuilder();
        for (var r = 0; r <= rows; r++)
        {
            text.Append(labels[r].PadLeft(labelWidth + 1)).Append(' ').Append(new string(grid[r]).TrimEnd()).Append('\n');
        }

        var pad = Math.Max(0, labelWidth + 2 + offset + ((series.Length - caption.Length) / 2));
        text.Append(new string(' ', pad)).Append(caption);
        return text.ToString();
    }

    /// <summary>Stretches or squeezes the series to <paramref name="width"/> points by linear interpolation.</summary>
    private static double[] Interpolate(IReadOnlyList<double> data, int width)
    {
        if (data.Count == 1)
        {
            return Enumerable.Repeat(data[0], width).ToArray();
        }

        var result = new double[width];
        var step = (data.Count - 1) / (double)(width - 1);
        for (var i = 0; i < width; i++)
        {
            var position = i * step;
            var low = (int)Math.Floor(position);
            var high = Math.Min(low + 1, data.Count - 1);
            result[i] = data[low] + ((data[high] - data[low]) * (position - low));
        }

        return result;
    }
}
