/**
 * The file systems a disk widget shows, wherever the host is read (systeminformation here, a
 * node_exporter's fstype label there): real ones only. Containers and snaps mount dozens of overlays,
 * tmpfs and squashfs images that are not the media disks.
 */
export const REAL_FS = /^(ext[234]|xfs|btrfs|zfs|f2fs|ntfs|ntfs3|fuseblk|vfat|exfat|apfs|hfs|nfs4?|cifs|smb3|fuse\.mergerfs|fuse\.shfs)$/i;
