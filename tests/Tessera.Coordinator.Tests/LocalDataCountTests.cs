using System.IO.Compression;
using Tessera.Protocol;
using Tessera.Worker;

namespace Tessera.Coordinator.Tests;

/// <summary>
/// The sample count a worker declares for its own files sizes its tasks (K = samples / batch). A tensor file once
/// declared 1 sample, so a worker holding 1,000 images in safetensors trained one batch a round.
/// </summary>
public sealed class LocalDataCountTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("tessera-count-").FullName;

    [Fact]
    public void Tensor_files_declare_their_leading_dimension_and_unreadable_ones_one()
    {
        string st = Path.Combine(_dir, "site.safetensors");
        File.WriteAllBytes(st, new SafetensorsFile([NamedTensor.FromFloats("x", [1000, 4], new float[4000]), NamedTensor.FromInt64s("y", [1000], new long[1000])]).ToBytes());
        Assert.Equal(1000, LocalDataCount.Estimate(st));

        string npy = Path.Combine(_dir, "x.npy");
        File.WriteAllBytes(npy, [.. "\x93NUMPY\x01\x00v\x00{'descr': '<f4', 'fortran_order': False, 'shape': (321, 784), }"u8.ToArray().Select(b => b)]);
        Assert.Equal(321, LocalDataCount.Estimate(npy));

        string npz = Path.Combine(_dir, "d.npz");
        using (var zip = ZipFile.Open(npz, ZipArchiveMode.Create))
        using (var entry = zip.CreateEntry("x.npy").Open()) entry.Write(File.ReadAllBytes(npy));
        Assert.Equal(321, LocalDataCount.Estimate(npz));

        string idx = Path.Combine(_dir, "images-idx3-ubyte");
        File.WriteAllBytes(idx, [0, 0, 8, 3, 0, 0, 0x02, 0x58, 0, 0, 0, 28, 0, 0, 0, 28]);
        Assert.Equal(600, LocalDataCount.Estimate(idx));

        string csv = Path.Combine(_dir, "rows.csv");
        File.WriteAllLines(csv, ["a,label", "1,0", "2,1", ""]);
        Assert.Equal(2, LocalDataCount.Estimate(csv));

        string junk = Path.Combine(_dir, "junk.safetensors");
        File.WriteAllBytes(junk, [255, 255, 255, 255, 255, 255, 255, 127, 1, 2]);
        Assert.Equal(1, LocalDataCount.Estimate(junk));
        Assert.Equal(1, LocalDataCount.Estimate(Path.Combine(_dir, "missing.npy")));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
