package reports

import (
	"bytes"
	"context"
	"errors"
	"io"

	"github.com/accountkit/accountkit"
)

// BlobStore keeps the content of reports. A host may supply its own (S3,
// a file system); the default, StoreBlobs, keeps it in the accountkit
// store in chunks.
type BlobStore interface {
	// Put stores everything read from r under key, replacing nothing: a
	// key is written once. When it fails, nothing is left under key.
	Put(ctx context.Context, key string, r io.Reader) error
	// Open returns a reader of the content under key. Errors: NotFound.
	Open(ctx context.Context, key string) (io.ReadCloser, error)
	// Delete deletes the content under key; deleting a missing key is not
	// an error.
	Delete(ctx context.Context, key string) error
}

// DefaultChunkSize is the size of the chunks StoreBlobs writes: 256 KiB,
// far below MariaDB's max_allowed_packet and PostgreSQL's limits.
const DefaultChunkSize = 256 << 10

// StoreBlobs returns the BlobStore that keeps content in store as chunks
// of chunkSize bytes (DefaultChunkSize when ≤ 0), each one row written
// and read on its own, so neither side holds more than one chunk in
// memory. Every content has at least one chunk (the empty one for empty
// content).
func StoreBlobs(store ChunkStore, chunkSize int) BlobStore {
	if chunkSize <= 0 {
		chunkSize = DefaultChunkSize
	}
	return &chunkBlobs{store: store, size: chunkSize}
}

type chunkBlobs struct {
	store ChunkStore
	size  int
}

// Put implements BlobStore.
func (b *chunkBlobs) Put(ctx context.Context, key string, r io.Reader) error {
	buf := make([]byte, b.size)
	for seq := 0; ; seq++ {
		n, err := io.ReadFull(r, buf)
		last := errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
		if err != nil && !last {
			return b.fail(ctx, key, err)
		}
		if n > 0 || seq == 0 {
			if err := b.store.PutChunk(ctx, key, seq, buf[:n]); err != nil {
				return b.fail(ctx, key, err)
			}
		}
		if last {
			return nil
		}
	}
}

// fail deletes what Put wrote under key and returns err.
func (b *chunkBlobs) fail(ctx context.Context, key string, err error) error {
	_, _ = b.store.DeleteChunks(context.WithoutCancel(ctx), key)
	return err
}

// Open implements BlobStore.
func (b *chunkBlobs) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	first, err := b.store.GetChunk(ctx, key, 0)
	if err != nil {
		return nil, err
	}
	return &chunkReader{ctx: ctx, store: b.store, key: key, cur: bytes.NewReader(first)}, nil
}

// Delete implements BlobStore.
func (b *chunkBlobs) Delete(ctx context.Context, key string) error {
	_, err := b.store.DeleteChunks(ctx, key)
	return err
}

// chunkReader reads the chunks of one key in order, one at a time.
type chunkReader struct {
	ctx   context.Context
	store ChunkStore
	key   string
	seq   int
	cur   *bytes.Reader
	done  bool
}

func (c *chunkReader) Read(p []byte) (int, error) {
	for {
		if n, _ := c.cur.Read(p); n > 0 || len(p) == 0 {
			return n, nil
		}
		if c.done {
			return 0, io.EOF
		}
		c.seq++
		next, err := c.store.GetChunk(c.ctx, c.key, c.seq)
		if accountkit.ErrorCode(err) == accountkit.NotFound {
			c.done = true
			return 0, io.EOF
		}
		if err != nil {
			return 0, err
		}
		c.cur = bytes.NewReader(next)
	}
}

func (c *chunkReader) Close() error { return nil }
