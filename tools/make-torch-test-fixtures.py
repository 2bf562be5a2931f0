#!/usr/bin/env python3
"""Writes the small PyTorch-format test checkpoints in packages/graph/test/fixtures/torch/.

torch is not installed, so this fakes the `torch`, `torch._utils` and `torch._tensor` modules in
sys.modules: pickle then writes GLOBAL 'torch._utils _rebuild_tensor_v2', 'torch FloatStorage' etc.
exactly as torch.save does. The zip layout copies torch.save too (PyTorch 2.x / Lightning 2.1):
`<archive>/data.pkl`, `<archive>/byteorder`, `<archive>/data/<key>` stored uncompressed with data
aligned to 64 bytes, `<archive>/version`, `<archive>/.data/*`; pickle protocol 2 by default,
storage keys '0', '1', ... in order of first use.

Every tensor value written here is repeated as a literal in packages/graph/test/weights/*.test.ts,
so the tests compare against numbers this script put in. Output is deterministic; re-run with
    python3 tools/make-torch-test-fixtures.py
"""
import collections
import io
import os
import pickle
import struct
import sys
import types
import zipfile

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'packages', 'graph', 'test', 'fixtures', 'torch')

# ---- fake torch: just enough names for pickle to reference ----

torch = types.ModuleType('torch')
torch_utils = types.ModuleType('torch._utils')
torch_tensor = types.ModuleType('torch._tensor')
torch._utils = torch_utils
torch._tensor = torch_tensor
sys.modules.update({'torch': torch, 'torch._utils': torch_utils, 'torch._tensor': torch_tensor})


def _fake(module, name):
    def fn(*args):
        raise RuntimeError('fake torch: never called')
    fn.__module__ = module.__name__
    fn.__name__ = fn.__qualname__ = name
    setattr(module, name, fn)
    return fn


_rebuild_tensor_v2 = _fake(torch_utils, '_rebuild_tensor_v2')
_rebuild_parameter = _fake(torch_utils, '_rebuild_parameter')
_rebuild_from_type_v2 = _fake(torch_tensor, '_rebuild_from_type_v2')

STORAGE_FORMATS = {'FloatStorage': '<f', 'DoubleStorage': '<d', 'HalfStorage': '<H',
                   'BFloat16Storage': '<H', 'LongStorage': '<q', 'BoolStorage': '<?'}
for _name in list(STORAGE_FORMATS) + ['Tensor']:
    _cls = type(_name, (), {})
    _cls.__module__ = 'torch'
    setattr(torch, _name, _cls)


class Storage:
    """A storage blob; `values` are packed with the storage type's struct format (halves as raw bits)."""

    def __init__(self, type_name, values):
        self.cls = getattr(torch, type_name)
        fmt = STORAGE_FORMATS[type_name]
        self.numel = len(values)
        self.data = struct.pack(fmt[0] + fmt[1] * len(values), *values)


class Tensor:
    def __init__(self, storage, shape, stride=None, offset=0):
        self.storage, self.shape, self.offset = storage, tuple(shape), offset
        if stride is None:
            stride, acc = [], 1
            for size in reversed(shape):
                stride.insert(0, acc)
                acc *= size
        self.stride = tuple(stride)

    def __reduce_ex__(self, protocol):
        return (_rebuild_tensor_v2,
                (self.storage, self.offset, self.shape, self.stride, False, collections.OrderedDict()))


class Parameter:
    def __init__(self, tensor):
        self.tensor = tensor

    def __reduce_ex__(self, protocol):
        return (_rebuild_parameter, (self.tensor, True, collections.OrderedDict()))


class SubclassTensor(Tensor):
    """A tensor pickled through _rebuild_from_type_v2, as torch does for tensors with Python state."""

    def __reduce_ex__(self, protocol):
        func, args = super().__reduce_ex__(protocol)
        return (_rebuild_from_type_v2, (func, torch.Tensor, args, {}))


def floats(*values):
    return Storage('FloatStorage', values)


def tensor(values, shape=None, type_name='FloatStorage'):
    return Tensor(Storage(type_name, values), shape if shape is not None else [len(values)])


# ---- torch.save imitation ----

class TorchPickler(pickle.Pickler):
    def __init__(self, f, protocol):
        super().__init__(f, protocol)
        self.keys = {}
        self.storages = {}

    def persistent_id(self, obj):
        if isinstance(obj, Storage):
            key = self.keys.setdefault(id(obj), str(len(self.keys)))
            self.storages[key] = obj
            return ('storage', obj.cls, key, 'cpu', obj.numel)
        return None


def dumps(obj, protocol=2):
    buf = io.BytesIO()
    pickler = TorchPickler(buf, protocol)
    pickler.dump(obj)
    return buf.getvalue(), pickler.storages


def zip_bytes(archive, records):
    """A zip like PyTorch's writer makes: stored entries, data aligned to 64 via an 'FB' extra field."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, 'w', zipfile.ZIP_STORED) as zf:
        for name, data in records:
            info = zipfile.ZipInfo(f'{archive}/{name}', date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_STORED
            start = buf.tell() + 30 + len(info.filename.encode()) + 4
            pad = (64 - start % 64) % 64
            info.extra = b'FB' + struct.pack('<H', pad) + b'Z' * pad
            zf.writestr(info, data)
    return buf.getvalue()


def torch_save(obj, archive, protocol=2, byteorder='little', data_records=True, drop=(), blob_override=None):
    """`drop`: Storage objects to leave out; `blob_override`: storage key -> bytes to write instead."""
    pkl, storages = dumps(obj, protocol)
    records = [('data.pkl', pkl)]
    if byteorder is not None:
        records.append(('byteorder', byteorder.encode()))
    for key in sorted(storages):  # string order, like torch.save: 0, 1, 10, 11, 2, ...
        if any(storages[key] is s for s in drop):
            continue
        data = blob_override.get(key, storages[key].data) if blob_override else storages[key].data
        records.append((f'data/{key}', data))
    records.append(('version', b'3\n'))
    if data_records:
        records += [('.data/version', b'3\n'), ('.data/serialization_id', b'0123456789012345678901234567890123456789')]
    return zip_bytes(archive, records)


def write(name, data):
    with open(os.path.join(OUT, name), 'wb') as f:
        f.write(data)
    print(f'{name:32s} {len(data):6d} bytes')


# ---- the fixtures ----

def state_dict_pth():
    """A bare `model.state_dict()` save: OrderedDict with `_metadata` (pickled via BUILD)."""
    sd = collections.OrderedDict()
    sd['conv.weight'] = tensor([0.5, -1.25, 2.0, 3.5, -0.125, 100.0], [2, 3, 1, 1])
    sd['conv.bias'] = tensor([0.25, -0.75])
    sd['scale'] = tensor([1.5], [])
    sd['empty'] = tensor([], [0])
    sd['bn.num_batches_tracked'] = tensor([7], [], 'LongStorage')
    sd._metadata = collections.OrderedDict([('', {'version': 1}), ('conv', {'version': 1})])
    return torch_save(sd, 'state-dict')


def lightning_state():
    proj = tensor([0.5, 1.0, 1.5, 2.0, 2.5, 3.0], [2, 3])
    base = floats(*[i * 0.25 for i in range(12)])          # a [3, 4] matrix ...
    transposed = Tensor(base, [4, 3], [1, 4])               # ... seen as its transpose
    tied = floats(10, 11, 12, 13, 14, 15, 16, 17)
    arange = floats(*range(10))
    sd = collections.OrderedDict()
    sd['net.proj.weight'] = proj
    sd['net.proj_t.weight'] = transposed
    sd['net.tied.a'] = Tensor(tied, [4])
    sd['net.tied.b'] = Tensor(tied, [2, 2], offset=4)
    sd['net.strided'] = Tensor(arange, [3], [3], offset=1)  # arange[1::3] -> 1, 4, 7
    # float16 bits: 1.5, -2, 0.333251953125, 2**-24 (subnormal), +inf, -0
    sd['net.half'] = tensor([0x3E00, 0xC000, 0x3555, 0x0001, 0x7C00, 0x8000], [2, 3], 'HalfStorage')
    # bfloat16 bits: 1.5, -3.140625, 0
    sd['net.bf16'] = tensor([0x3FC0, 0xC049, 0x0000], [3], 'BFloat16Storage')
    sd['net.double'] = tensor([0.1, -1e-3], [2], 'DoubleStorage')
    sd['net.bn.num_batches_tracked'] = tensor([42], [], 'LongStorage')
    sd['net.mask'] = tensor([True, False, True], [3], 'BoolStorage')
    return {
        'epoch': 3,
        'global_step': 120,
        'pytorch-lightning_version': '2.1.0',
        'state_dict': sd,
        'loops': {'fit_loop': {'state_dict': {}, 'epoch_progress': {'total': {'ready': 4, 'completed': 3}}}},
        'callbacks': {"ModelCheckpoint{'monitor': 'val_loss'}": {
            'best_model_score': tensor([0.125], []), 'monitor': 'val_loss', 'best_k_models': {}}},
        'optimizer_states': [{
            'state': {0: {'step': tensor([120], [], 'LongStorage'),
                          'exp_avg': tensor([0.01] * 6, [2, 3]),
                          'exp_avg_sq': tensor([0.02] * 6, [2, 3])}},
            'param_groups': [{'lr': 2e-4, 'betas': (0.9, 0.999), 'eps': 1e-8, 'weight_decay': 0.01,
                              'amsgrad': False, 'params': [0, 1, 2]}],
        }],
        'lr_schedulers': [{'last_epoch': 3, 'base_lrs': [0.0002], '_step_count': 4}],
        'hyper_parameters': {'note': 'unicode ✓ é', 'sizes': {1, 2, 3}, 'frozen': frozenset({'a'}),
                             'blob': b'\x00\xffab', 'empty_bytes': b'', 'big': 2 ** 70,
                             'neg': -123456789012, 'ratio': 0.5, 'none': None},
    }


# ---- extras a Lightning 2.x checkpoint carries outside its state dict ----

def _fake_module(dotted):
    """A module and its parents in sys.modules, so pickle can find classes there by name."""
    parts = dotted.split('.')
    for i in range(1, len(parts) + 1):
        sys.modules.setdefault('.'.join(parts[:i]), types.ModuleType('.'.join(parts[:i])))
    return sys.modules[dotted]


lightning_data = _fake_module('lightning.fabric.utilities.data')


class AttributeDict(dict):
    """Lightning's hyper-parameter container (a dict subclass)."""


AttributeDict.__module__ = 'lightning.fabric.utilities.data'
lightning_data.AttributeDict = AttributeDict

numpy = _fake_module('numpy')
numpy_multiarray = _fake_module('numpy.core.multiarray')


class dtype:  # noqa: N801 - numpy's name
    """Pickles as numpy.dtype does: REDUCE (str, align, copy), then BUILD with its state tuple."""

    def __init__(self, code):
        self.code = code

    def __reduce__(self):
        return dtype, (self.code, False, True), (3, '<', None, None, None, -1, -1, 0)


dtype.__module__ = 'numpy'
numpy.dtype = dtype
_np_scalar = _fake(numpy_multiarray, 'scalar')


class NumpyFloat:
    """np.float64(x) pickles as numpy.core.multiarray.scalar(dtype('f8'), raw bytes)."""

    def __init__(self, value):
        self.value = value

    def __reduce__(self):
        return _np_scalar, (dtype('f8'), struct.pack('<d', self.value))


class Evil:
    """Names os.system inside the hyper-parameters, as a malicious checkpoint would."""

    def __reduce__(self):
        return _os_system, ('echo pwned',)


_os_system = _fake(_fake_module('os_fake'), 'system')
_os_system.__module__ = 'os'


class Settings:
    """A project's own config class, which only --allow-global lets a reader walk past."""

    def __init__(self, depth):
        self.depth = depth


Settings.__module__ = 'mypkg.config'
_fake_module('mypkg.config').Settings = Settings


def lightning_extras_state(hparams_extra=None):
    """A Lightning 2.x checkpoint whose hyper_parameters hold a Namespace (save_hyperparameters()
    of a module taking `args`), a path, a date and a numpy scalar, in an AttributeDict."""
    import argparse
    import datetime
    import pathlib
    state = lightning_state()
    args = argparse.Namespace(lr=2e-4, data=pathlib.PosixPath('/data/train'), sigmas=[15, 25, 50])
    hparams = AttributeDict(args=args, started=datetime.datetime(2024, 5, 1, 12, 0), eps=NumpyFloat(1e-8))
    if hparams_extra:
        hparams.update(hparams_extra)
    state['hyper_parameters'] = hparams
    state['hparams_name'] = 'args'
    return state


def params_p4():
    """A hand-written training save at pickle protocol 4 with nn.Parameter and a tensor subclass."""
    return {
        'epoch': 2,
        'model_state_dict': collections.OrderedDict([
            ('fc.weight', Parameter(tensor([1.0, -2.0, 3.0, -4.0], [2, 2]))),
            ('fc.bias', Parameter(tensor([0.5, -0.5]))),
            ('fc.scale', SubclassTensor(floats(9.0), [1])),
        ]),
        'optimizer_state_dict': {'state': {}, 'param_groups': [{'lr': 0.1, 'params': [0, 1]}]},
    }


# The os.system call that a malicious "checkpoint" would make on torch.load(weights_only=False).
EVIL_PICKLE = b'\x80\x02cos\nsystem\nq\x00X\x0a\x00\x00\x00echo pwnedq\x01\x85q\x02Rq\x03.'

# Plain data at every protocol, for the unpickler's own tests.
SHARED = [7]
VALUES = {
    'ints': [0, 1, -1, 255, 256, 65535, 65536, -2 ** 31, 2 ** 31 - 1, 2 ** 31, 2 ** 53 - 1, 2 ** 53, -2 ** 63, 2 ** 100],
    'floats': [0.0, -0.0, 1.5, -2.25e-300, float('inf')],
    'strs': ['', 'ascii', 'ünïcödé ✓ 🚀', 'x' * 300],
    'bytes': [b'', b'\x00\x01\xff', bytearray(b'ab')],
    'tuple': (1, (2, 3), ()),
    'nested': {'a': [None, True, False], 1: 'one', (1, 2): 'pair'},
    'set': {1, 2},
    'frozenset': frozenset({'z'}),
    'shared': [SHARED, SHARED],
    'ordered': collections.OrderedDict([('b', 1), ('a', 2)]),
}


def main():
    os.makedirs(OUT, exist_ok=True)
    write('state-dict.pth', state_dict_pth())
    lightning = torch_save(lightning_state(), 'lightning', byteorder=None, data_records=False)
    write('lightning.ckpt', lightning)
    # Same checkpoint without the optimizer's storage blobs: reading the weights must not need them.
    state = lightning_state()
    optimizer_storages = [t.storage for t in state['optimizer_states'][0]['state'][0].values()]
    write('lightning-no-optimizer-blobs.ckpt',
          torch_save(state, 'lightning', byteorder=None, data_records=False, drop=optimizer_storages))
    write('params-p4.pt', torch_save(params_p4(), 'params-p4', protocol=4))
    write('lightning-extras.ckpt', torch_save(lightning_extras_state(), 'lightning-extras', byteorder=None, data_records=False))
    real_system, os.system = os.system, _os_system  # pickle checks that os.system is the object it names
    try:
        evil = torch_save(lightning_extras_state({'hook': Evil()}), 'lightning-evil-hparams', byteorder=None, data_records=False)
    finally:
        os.system = real_system
    write('lightning-evil-hparams.ckpt', evil)
    write('lightning-custom-class.ckpt', torch_save(lightning_extras_state({'settings': Settings(4)}), 'lightning-custom-class',
                                                     byteorder=None, data_records=False))
    namespace_in_sd = collections.OrderedDict([('w', tensor([1.0])), ('args', __import__('argparse').Namespace(a=1))])
    write('namespace-in-state-dict.pt', torch_save(namespace_in_sd, 'namespace-in-state-dict'))
    write('evil.pt', zip_bytes('evil', [('data.pkl', EVIL_PICKLE), ('byteorder', b'little'), ('version', b'3\n')]))
    write('truncated.ckpt', lightning[: len(lightning) // 2])
    write('not-a-zip.pth', pickle.dumps({'weight': [1.0, 2.0]}, protocol=2))
    write('big-endian.pt', torch_save(collections.OrderedDict([('w', tensor([1.0]))]), 'big-endian', byteorder='big'))
    two = collections.OrderedDict([('a', tensor([1.0, 2.0])), ('b', tensor([3.0, 4.0, 5.0, 6.0], [2, 2]))])
    write('missing-storage.pt', torch_save(two, 'missing-storage', drop=[two['b'].storage]))
    write('short-storage.pt', torch_save(two, 'short-storage', blob_override={'1': struct.pack('<3f', 3, 4, 5)}))
    write('no-data-pkl.pt', zip_bytes('no-data-pkl', [('version', b'3\n')]))
    write('no-state-dict.pt', torch_save({'epoch': 1, 'hyper_parameters': {'lr': 0.1}}, 'no-state-dict'))
    for protocol in (2, 3, 4, 5):
        write(f'values-p{protocol}.pkl', pickle.dumps(VALUES, protocol=protocol))


if __name__ == '__main__':
    main()
